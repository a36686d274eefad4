"""A coercion-resistant election through the real server app and the voter SDK (voting_server/cr_api.py,
mobile_api/client.py): voters identify (precinct device attestation) and obtain their credential with the
registrar's designated-verifier proof; coerced voters hand the coercer a fake that passes his check, and he casts
with it; a voter votes, changes her mind and votes again; the close goes through the admin API; trustees 1, 3 and 5
tally over HTTP as separate clients, each re-checking the board and doing its part of each step in turn
(trustees/cr_online.py, voting_server/cr_tally_api.py), the server posting the mix inputs and the result; the
result counts exactly every real voter's LAST choice and ``shailoo verify`` passes every check."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bulletin_board.export import write_export
from bulletin_board.witness import MemoryWitnessStore, Witness
from cli.main import app
from mobile_api.errors import ClientError
from tests.server.harness import OPERATOR, WITNESS_NAME, Election
from tests.server.test_cr_cast import flip_hex, make_ballot
from trustees.cr_in_process import WorkingTrustee
from trustees.cr_online import run_cr_tally_trustee
from trustees.online import HttpTransport

CR_POLICY = {"mode": "coercion_resistant", "mixing_trustees_required": 2}


def test_cr_election_over_http(tmp_path: Path) -> None:
    election = Election(tmp_path, policy=CR_POLICY)
    try:
        election.load_manifest()
        election.key_ceremony()
        election.open_voting()
        board = election.components.board
        witness = Witness(
            WITNESS_NAME,
            election.witness_key,
            log_origin=board.origin,
            log_key=board.public_key,
            store=MemoryWitnessStore(),
            clock=election.clock,
        )

        def checkpoint() -> None:
            board.integrate()
            board.collect_cosignature(witness)

        checkpoint()
        manifest = election.manifest
        contests = sorted(manifest.ballot_styles[0].contest_ids)
        sizes = {c: len(manifest.contest(c).selections) for c in contests}
        expected = {c: Counter[int]() for c in contests}
        coercer_checks = 0
        for i in range(5):
            client = election.voter_client()
            number, _ = election.register_voter(manifest.ballot_styles[0].style_id)
            session = client.start_identification(number)
            election.attest(client, number, session.session_id)
            real = client.obtain_cr_credential(session.session_id)
            choice = {c: (i + 1) % sizes[c] for c in contests}
            if i < 2:  # coerced: the coercer gets a fake, checks it as he would a real one, casts his choice
                fake = client.fake_cr_credential(real)
                assert fake.roster_credential == real.roster_credential and fake.secret != real.secret
                fake.check(client.election(), client.cr_device_key(fake.position))
                coercer_checks += 1
                client.cast_cr(fake, {c: 0 for c in contests})
            if i == 2:  # votes another choice first; after the others she changes her mind: her last ballot counts
                earlier = {c: (choice[c] + 1) % sizes[c] for c in contests}
                assert earlier != choice
                client.cast_cr(real, earlier)
                later = (client, real, choice)
            else:
                client.cast_cr(real, choice)
            for c in contests:
                expected[c][choice[c]] += 1
            # A second registration of the same session is refused: one credential per voter.
            with pytest.raises(ClientError):
                client.obtain_cr_credential(session.session_id)
        assert coercer_checks == 2
        revoter, credential, last_choice = later
        revoter.cast_cr(credential, last_choice)
        # A forged ballot (one byte of the credential proof changed) is refused with its code; nothing is written.
        forged = make_ballot(election)
        forged["credential_proof"] = flip_hex(forged["credential_proof"], 129)
        size = board.size
        refused = election.http.post("/v1/cr/ballots", json=forged)
        assert refused.json()["code"] == "invalid_proof" and board.size == size

        election.close_voting()
        checkpoint()
        # The homomorphic tally route refuses this mode (it would move the board to tallying with no ballots).
        size = board.size
        refused = election.http.post("/v1/admin/tally", json={}, headers=OPERATOR)
        assert refused.json()["code"] == "wrong_mode" and board.size == size
        # The tally: each trustee a separate HTTP client doing what it can now; round after round until the
        # server has posted the result (a trustee with nothing to do waits for the others).
        trustees = [WorkingTrustee.from_store(election.trustee_stores[j - 1]) for j in (1, 3, 5)]
        steps: list[tuple[int, str]] = []
        for _ in range(6):
            for t in trustees:
                status = run_cr_tally_trustee(t, HttpTransport(election.http))
                steps += [(t.index, step) for step in status.posted]
            if status.done:
                break
        assert status.done, steps
        # Run again (a trustee restarted after the end): nothing is posted twice.
        size = board.size
        assert run_cr_tally_trustee(trustees[0], HttpTransport(election.http)).posted == () and board.size == size
        [result] = [e.payload for e in board.entries(0, board.size) if e.kind.value == "cr_result"]
        assert (result["ballots"], result["kept"], result["unmatched"], result["duplicates"]) == (8, 5, 2, 1)
        for c in contests:
            assert {k: n for k, n in enumerate(result["counts"][c]) if n} == dict(expected[c])

        checkpoint()
        path = tmp_path / "board.jsonl"
        with path.open("wb") as f:
            write_export(board, f)
        out = tmp_path / "report.json"
        run = CliRunner().invoke(app, ["verify", str(path), "--json", str(out), "--no-progress"])
        report = json.loads(out.read_text())
        failed = [c for c in report["checks"] if c["status"] == "fail"]
        assert run.exit_code == 0 and report["passed"], failed
        statuses = {c["number"]: c["status"] for c in report["checks"]}
        assert all(statuses[n] == "pass" for n in (46, 47, 48, 49)), statuses
    finally:
        election.close()

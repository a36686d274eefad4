"""A coercion-resistant election run by ``shailoo serve`` in its own process, every step over HTTP on 127.0.0.1:
the manifest (``policy.mode = coercion_resistant``, two mixers), the key ceremony over the trustees' API, voters
identified at a precinct device who obtain credentials and cast (one hands a coercer a fake, who casts with it; one
re-votes), the close, then the whole tally by trustees 1, 3 and 5 as separate HTTP clients
(`trustees.cr_online.run_cr_tally_trustee`) with the server posting the mix inputs and the result; the export is
verified by ``shailoo verify`` in its own process (no witness: ``--min-witnesses 0``), checks 45–49 passing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signing
from elections.manifest import Manifest
from identity.db import make_engine
from identity.registry import SqlVoterRegistry
from identity.settings import IdentitySettings
from mobile_api.client import VoterClient
from tests.e2e.test_witness_processes import _export, _ok, _shailoo, server  # noqa: F401 (a fixture)
from tests.observer.election import small_president_manifest
from tests.server.harness import CEREMONY, DEVICE_ID, OPERATOR, add_test_voter, attestation, todays_window
from trustees.ceremony_steps import run_trustee
from trustees.cr_in_process import WorkingTrustee
from trustees.cr_online import run_cr_tally_trustee
from trustees.in_process import new_trustee_stores, roster_for
from trustees.online import HttpTransport
from voting_server.identification import device_public_key

VOTERS = 4


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_coercion_resistant_election_served_by_its_own_process_tallies_over_http_and_verifies(
    tmp_path: Path,
    server: tuple[str, str],  # noqa: F811
) -> None:
    url, database = server
    http = httpx.Client(base_url=url, timeout=120)
    try:
        stores = new_trustee_stores(CEREMONY)
        manifest: Manifest = todays_window(
            small_president_manifest().with_trustees(roster_for(stores), CEREMONY.k),
            early_close_allowed=True,
            mode="coercion_resistant",
            mixing_trustees_required=2,
        ).with_registrar_key(signing.public_key_bytes(IdentitySettings().registrar_signing_key))
        _ok(http.post("/v1/admin/manifest", headers=OPERATOR, json={"manifest": manifest.to_canonical_dict()}))
        transport = HttpTransport(http)
        for _ in range(6):
            if all([run_trustee(store, transport).done for store in stores]):
                break
        else:
            raise AssertionError("the key ceremony did not finish")
        device = Ed25519PrivateKey.generate()
        device_body = {"device_id": DEVICE_ID, "public_key": device_public_key(device).hex()}
        _ok(http.post("/v1/admin/devices", headers=OPERATOR, json=device_body))
        registry = SqlVoterRegistry(make_engine(database), IdentitySettings().template_key_bytes)
        voters = [add_test_voter(registry, manifest, i) for i in range(VOTERS)]
        _ok(http.post("/v1/admin/register-counts", headers=OPERATOR))
        _ok(http.post("/v1/admin/channels/open", headers=OPERATOR, json={"channels": ["app", "kiosk"]}))

        contests = sorted(manifest.ballot_styles[0].contest_ids)
        sizes = {c: len(manifest.contest(c).selections) for c in contests}
        expected = {c: Counter[int]() for c in contests}
        for i, (number, _) in enumerate(voters):
            voter = VoterClient(http)
            session = voter.start_identification(number)
            voter.submit_attestation(session.session_id, attestation(manifest, device, number, session.session_id))
            real = voter.obtain_cr_credential(session.session_id)
            choice = {c: (i + 1) % sizes[c] for c in contests}
            if i == 0:  # coerced: the coercer casts with a fake
                voter.cast_cr(voter.fake_cr_credential(real), {c: 0 for c in contests})
            if i == 1:  # re-votes: the first choice is superseded
                voter.cast_cr(real, {c: (choice[c] + 1) % sizes[c] for c in contests})
            voter.cast_cr(real, choice)
            for c in contests:
                expected[c][choice[c]] += 1
        _ok(http.post("/v1/admin/close", headers=OPERATOR, json={"reason": "the test's voting is over"}))

        # The tally: each trustee its own client over real HTTP, in turns until the server posts the result.
        trustees = [WorkingTrustee.from_store(stores[j - 1]) for j in (1, 3, 5)]
        done = False
        for _ in range(6):
            for t in trustees:
                done = run_cr_tally_trustee(t, HttpTransport.connect(url)).done
            if done:
                break
        assert done, _ok(http.get("/v1/trustees/cr/state"))
        export = tmp_path / "board.jsonl"
        export.write_bytes(_export(url))
    finally:
        http.close()

    [result] = [
        line["payload"] for line in map(json.loads, export.read_bytes().splitlines()) if line.get("kind") == "cr_result"
    ]
    assert (result["ballots"], result["kept"], result["unmatched"], result["duplicates"]) == (6, 4, 1, 1)
    for c in contests:
        assert {k: n for k, n in enumerate(result["counts"][c]) if n} == dict(expected[c])
    report_path, log = tmp_path / "report.json", tmp_path / "verify.log"
    # No witness follows this board (tests/e2e/test_witness_processes.py has one): the observer says so.
    verify = _shailoo(
        "verify", str(export), "--json", str(report_path), "--no-progress", "--min-witnesses", "0", log=log
    )
    assert verify.wait(timeout=300) == 0, log.read_text()
    report = json.loads(report_path.read_text())
    statuses = {c["number"]: c["status"] for c in report["checks"]}
    assert report["passed"] is True and all(statuses[n] == "pass" for n in (45, 46, 47, 48, 49)), statuses

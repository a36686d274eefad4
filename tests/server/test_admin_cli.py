"""``shailoo admin``: an operator runs a whole election from the terminal (manifest with the trustee and witness
rosters, issuer keys, a device, register counts, open, close, tally, results) and the verifier passes it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from typer.testing import CliRunner

from bulletin_board.export import write_export
from bulletin_board.phases import Phase
from bulletin_board.witness import Witness
from bulletin_board.witness_store import FileWitnessStore
from cli.main import app
from identity.registry import SqlVoterRegistry
from observer.context import VerifyOptions
from observer.verify import verify
from observer.witness_follower import HttpBoardSource, WitnessFollower
from record.window import utc_text
from tests.server import harness
from tests.server.harness import CEREMONY, DEVICE_ID, WITNESS_NAME, Election
from trustees.decryption import run_decryption
from trustees.in_process import run_key_ceremony
from trustees.keystore_contents import TrusteeSecrets
from trustees.online import HttpTransport
from voting_server.settings import DEVELOPMENT_AUDITOR_TOKEN, DEVELOPMENT_OPERATOR_TOKEN

runner = CliRunner()


def admin(*args: str, token: str = DEVELOPMENT_OPERATOR_TOKEN) -> str:
    result = runner.invoke(app, ["admin", *args, "--server", "http://shailoo.test", "--token", token])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # as read, whatever the terminal's width


def _roster_options(election: Election) -> list[str]:
    options = []
    for store in election.trustee_stores:
        secrets_ = TrusteeSecrets.from_dict(store.secrets)
        options += ["--trustee", f"{secrets_.index}:{secrets_.identity_public_key}:Trustee {secrets_.index}"]
    witness = election.witness_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return [*options, "--threshold", str(CEREMONY.k), "--witness", f"witness.test.kg={witness}"]


def test_an_operator_runs_the_election_from_the_terminal(election: Election, tmp_path: Path) -> None:
    now = election.clock()
    window = ["--voting-opens", utc_text(now - 3_600_000), "--voting-closes", utc_text(now + 3_600_000)]
    out = admin("manifest", "--preset", "president", *_roster_options(election), *window, "--out", str(tmp_path / "m"))
    assert "5 trustee(s) (k = 3), 1 witness(es)" in out and "manifest loaded" in out
    manifest = election.components.election.state().require_manifest()
    assert [t.public_key for t in manifest.trustees] == [
        TrusteeSecrets.from_dict(s.secrets).identity_public_key for s in election.trustee_stores
    ]
    assert manifest.registrar_key is not None  # pinned from the server, so its register counts are accepted
    assert json.loads((tmp_path / "m").read_text())["election_id"] == manifest.election_id
    election.manifest = manifest

    run_key_ceremony(election.components.board, CEREMONY, election.trustee_stores)
    out = admin("issuer-keys", "--bits", "2048")
    assert f"Generating {len(manifest.ballot_styles)} key(s) of 2048 bits" in out and "issuer keys published" in out
    seed = election.device_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    (tmp_path / "terminal.key").write_text(seed.hex())  # the file `shailoo voter identify --device-key` reads
    admin("device", "--device-id", DEVICE_ID, "--key-file", str(tmp_path / "terminal.key"))
    public = election.device_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert election.components.election.state().device_keys[DEVICE_ID] == public  # only the public key is sent
    registry = election.components.registry
    assert isinstance(registry, SqlVoterRegistry)
    registry.add_all(harness.test_voter_record(manifest, i) for i in range(4))  # the register (shailoo registry import)
    election._on_register = 4
    admin("register-counts")
    admin("open", "--channel", "app", "--channel", "kiosk")
    assert "phase voting" in admin("status", token=DEVELOPMENT_AUDITOR_TOKEN)

    for i in range(3):
        client, credential = election.credential()
        client.cast(client.prepare_ballot(credential, election.marks_for(credential, i % 2)))
    election.clock.travel_to(manifest.dates.voting_closes)
    admin("close")
    annulled = manifest.precincts[0].precinct_id
    out = admin("annul", annulled, "--reason", "ballot stuffing on video", "--legal-basis", "Election law, art. 43(3)")
    assert f"precinct {annulled} annulled" in out
    admin("tally")
    assert "encrypted tally on the board" in admin("tally")  # again: the same entry, nothing new

    for store in election.trustee_stores[:3]:
        run_decryption(store, HttpTransport(election.http))
    out = admin("results", "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv"))
    assert "results posted" in out
    assert election.components.board.phase is Phase.DECRYPTED
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert sum(int(r["votes"]) for r in rows) == 3
    assert json.loads((tmp_path / "r.json").read_text())["election_id"] == manifest.election_id

    # The appointed witness follows the board over its API and cosigns the final tree head.
    board = election.components.board
    board.integrate()
    witness = Witness(
        WITNESS_NAME,
        election.witness_key,
        log_origin=board.origin,
        log_key=board.public_key,
        store=FileWitnessStore(tmp_path / "witness.json"),
        clock=election.clock,
    )
    assert WitnessFollower(witness, HttpBoardSource(election.http)).step().action == "cosigned"
    export = tmp_path / "board.jsonl"
    with export.open("wb") as f:
        write_export(election.components.board, f)
    report = verify(export, VerifyOptions(min_issuer_bits=2048))  # the test's issuer keys are small, to be quick
    assert report.passed
    failed = [(c.number, c.name, c.message) for c in report.checks if c.status.value == "fail"]
    assert not failed, failed
    assert report.check(33).evidence["annulled"][0]["precinct_id"] == annulled


def test_the_auditor_token_cannot_change_anything(election: Election) -> None:
    result = runner.invoke(
        app,
        ["admin", "manifest", "--preset", "president", "--token", DEVELOPMENT_AUDITOR_TOKEN, "--server", "http://x"],
    )
    assert result.exit_code == 1 and "(forbidden)" in result.output
    assert election.components.board.size == 0


def test_a_roster_key_that_is_no_key_is_refused_before_anything_is_posted(election: Election) -> None:
    result = runner.invoke(
        app,
        ["admin", "manifest", "--preset", "president", "--trustee", "1:" + "ab" * 31, "--threshold", "1",
         "--token", DEVELOPMENT_OPERATOR_TOKEN, "--server", "http://x"],
    )  # fmt: skip
    assert result.exit_code == 2 and "--trustee" in result.output
    assert election.components.board.size == 0

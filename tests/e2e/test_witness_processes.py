"""An election run by ``shailoo serve``, witnessed by a ``shailoo witness run`` process and verified by
``shailoo verify`` with default options — three separate processes on 127.0.0.1, talking HTTP only.

The steps are the election's: the witness makes its key and the commission puts it on the manifest's witness
roster; the server starts; the witness starts following it; the manifest is loaded, five trustees run the key
ceremony over the trustees' API, the registrar makes 3072-bit issuer keys, a precinct device is registered and
voting opens; voters identify at the device, get credentials and cast (the first challenges a ballot before
casting); the operator closes and tallies; trustees 1, 3 and 5 decrypt; the server publishes the result. The
witness has cosigned every head it saw through ``POST /v1/board/cosignatures``; the observer downloads the export
and verifies it, check 3 counting the witness because its key is on the roster, check 17 reading the registrar's
register counts and check 24 holding every ballot to the window by the log's and the witness's clocks. Each voter's
tracking page names her own credential's fingerprint, on her challenged ballot too. SIGTERM stops the witness
cleanly, with no evidence of misbehaviour in its state file.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from cli.main import app
from crypto import signing
from elections.manifest import Manifest, WitnessRosterEntry
from identity.db import make_engine
from identity.registry import SqlVoterRegistry
from identity.settings import IdentitySettings
from mobile_api.client import VoterClient
from tests.faults.server import REPO, free_port
from tests.observer.election import small_president_manifest
from tests.server.harness import CEREMONY, DEVICE_ID, OPERATOR, add_test_voter, attestation, todays_window
from trustees.ceremony_steps import run_trustee
from trustees.decryption import run_decryption
from trustees.in_process import new_trustee_stores, roster_for
from trustees.online import HttpTransport
from voting_server.identification import device_public_key

WITNESS = "witness.e2e.kg"
VOTERS = 4


def _shailoo(*args: str, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``shailoo ARGS`` in its own process, output to ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"shailoo serve did not become ready: {log.read_text()}")


@pytest.fixture
def witness_keystore(tmp_path: Path) -> tuple[Path, Path, str]:
    """``shailoo witness init``: the keystore, its passphrase file and the public key it printed."""
    keystore, passphrase = tmp_path / "witness.keystore", tmp_path / "witness.pass"
    passphrase.write_text("witness passphrase, long enough\n")
    common = ["--keystore", str(keystore), "--passphrase-file", str(passphrase)]
    made = CliRunner().invoke(
        app, ["witness", "init", "--name", WITNESS, *common, "--kdf-memory-kib", "256", "--kdf-time-cost", "1"]
    )
    assert made.exit_code == 0, made.output
    shown = CliRunner().invoke(app, ["witness", "show", *common])
    key = next(line.split()[-1] for line in shown.output.splitlines() if line.startswith("public key"))
    return keystore, passphrase, key


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``shailoo serve`` on a free loopback port; yields (URL, database URL)."""
    port, database = free_port(), f"sqlite:///{tmp_path / 'shailoo.sqlite3'}"
    log = tmp_path / "serve.log"
    process = _shailoo(
        "serve",
        "--port",
        str(port),
        "--database-url",
        database,
        "--issuer-keys-dir",
        str(tmp_path / "issuer-keys"),
        "--board-key-file",
        str(tmp_path / "board.key"),
        "--log-level",
        "warning",
        log=log,
        env={"SHAILOO_MAX_MERGE_DELAY": "0.3", "SHAILOO_LOG_LEVEL": "WARNING"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        yield url, database
    finally:
        _stop(process)


def _export(url: str) -> bytes:
    return httpx.get(url + "/v1/board/export", timeout=60).content


def _lines(export: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in export.splitlines()]


def _final_head_cosigned_by(lines: list[dict[str, Any]], witness: str) -> bool:
    """The export holds the result, and its last tree head (which covers every exported entry) is followed by a
    cosignature of ``witness``."""
    if not any(line["type"] == "entry" and line["kind"] == "result" for line in lines):
        return False
    heads = [i for i, line in enumerate(lines) if line["type"] == "tree_head"]
    after = lines[heads[-1] + 1 :]
    return any(line["type"] == "cosignature" and line["witness"] == witness for line in after)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_an_election_over_http_witnessed_by_its_own_process_verifies_with_default_options(
    tmp_path: Path, witness_keystore: tuple[Path, Path, str], server: tuple[str, str]
) -> None:
    keystore, passphrase, witness_key = witness_keystore
    url, database = server
    http = httpx.Client(base_url=url, timeout=120)

    # The witness follows the board from the start, in its own process.
    witness_log = tmp_path / "witness.log"
    witness = _shailoo(
        "witness", "run", "--server", url, "--keystore", str(keystore), "--passphrase-file", str(passphrase),
        "--interval", "0.2", log=witness_log,
    )  # fmt: skip
    try:
        # 1. The manifest names the trustees and the witness (its key from `shailoo witness show`).
        stores = new_trustee_stores(CEREMONY)
        # Voting is open now (by this machine's clock) and may close early with a reason; the registrar's key,
        # which signs the register counts, is pinned too (the served process derives it from its settings).
        manifest: Manifest = todays_window(
            small_president_manifest()
            .with_trustees(roster_for(stores), CEREMONY.k)
            .with_witnesses([WitnessRosterEntry(name=WITNESS, public_key=witness_key)]),
            early_close_allowed=True,
        ).with_registrar_key(signing.public_key_bytes(IdentitySettings().registrar_signing_key))
        _ok(http.post("/v1/admin/manifest", headers=OPERATOR, json={"manifest": manifest.to_canonical_dict()}))

        # 2. Five trustees run the key ceremony over the trustees' API.
        transport = HttpTransport(http)
        for _ in range(6):
            if all([run_trustee(store, transport).done for store in stores]):
                break
        else:
            raise AssertionError("the key ceremony did not finish")

        # 3. Issuer keys (3072 bits: the verifier's default minimum), a precinct device, voting opens.
        _ok(http.post("/v1/admin/issuer-keys", headers=OPERATOR, json={"bits": 3072}))
        device = Ed25519PrivateKey.generate()
        device_body = {"device_id": DEVICE_ID, "public_key": device_public_key(device).hex()}
        _ok(http.post("/v1/admin/devices", headers=OPERATOR, json=device_body))
        # The register (imported before voting) and the registrar's signed register counts, then voting opens.
        registry = SqlVoterRegistry(make_engine(database), IdentitySettings().template_key_bytes)
        voters = [add_test_voter(registry, manifest, i) for i in range(VOTERS)]
        _ok(http.post("/v1/admin/register-counts", headers=OPERATOR))
        _ok(http.post("/v1/admin/channels/open", headers=OPERATOR, json={"channels": ["app", "kiosk"]}))

        # 4. Voters identified by the device get credentials and cast.
        voter = VoterClient(http)
        cast: list[tuple[str, str]] = []  # (tracking code, the voter's credential fingerprint)
        for i, (number, style_id) in enumerate(voters):
            session = voter.start_identification(number)
            identified = voter.submit_attestation(
                session.session_id, attestation(manifest, device, number, session.session_id)
            )
            credential = voter.obtain_credential(session.session_id, identified.style_id)
            style = manifest.ballot_style(style_id)
            marks = {c: [manifest.contest(c).selections[i % 3].selection_id] for c in style.contest_ids}
            if i == 0:  # the first voter challenges once, as docs/security.md asks, then casts
                challenged, _ = voter.challenge(voter.prepare_ballot(credential, marks))
                cast.append((challenged.tracking_code, credential.public.fingerprint))
            receipt = voter.cast(voter.prepare_ballot(credential, marks))
            assert receipt.credential_fingerprint == credential.public.fingerprint
            cast.append((receipt.tracking_code, credential.public.fingerprint))

        # 5. Close, tally; trustees 1, 3 and 5 decrypt and the server publishes the result.
        _ok(http.post("/v1/admin/close", headers=OPERATOR, json={"reason": "the test's voting is over"}))
        _ok(http.post("/v1/admin/tally", headers=OPERATOR, json={}))
        for trustee in (1, 3, 5):
            run_decryption(stores[trustee - 1], transport)

        # 6. Within the merge delay a signed head covers the result; the witness cosigns it within a few rounds.
        deadline = time.monotonic() + 60
        while not _final_head_cosigned_by(_lines(content := _export(url)), WITNESS):
            assert witness.poll() is None, witness_log.read_text()
            assert time.monotonic() < deadline, witness_log.read_text()
            time.sleep(0.3)
        export = tmp_path / "board.jsonl"
        export.write_bytes(content)

        # Each voter's tracking page (what her second device reads) names her own credential.
        for code, fingerprint in cast:
            status = voter.check_receipt(code)
            assert status.credential_fingerprint == fingerprint, (code, status)
        assert len({f for _, f in cast}) == VOTERS  # one fingerprint per credential, the challenge sharing its voter's
    finally:
        code = _stop(witness)
        http.close()

    # SIGTERM stopped the witness between rounds, cleanly; it cosigned growth and saw no misbehaviour.
    output = witness_log.read_text()
    assert code == 0, output
    assert "witness stopped" in output and "cosigned size" in output
    assert "split_view" not in output and "invalid_consistency_proof" not in output
    state = json.loads(keystore.with_name(keystore.name + ".state.json").read_text())
    assert not state.get("evidence"), state

    # 7. The observer verifies the export in its own process, with default options.
    report_path = tmp_path / "report.json"
    verify_log = tmp_path / "verify.log"
    verify = _shailoo("verify", str(export), "--json", str(report_path), "--no-progress", log=verify_log)
    assert verify.wait(timeout=300) == 0, verify_log.read_text()
    report = json.loads(report_path.read_text())
    witnesses = next(c for c in report["checks"] if c["number"] == 3)
    assert witnesses["status"] == "pass"
    assert witnesses["evidence"]["latest_signers"] == [WITNESS]
    assert witnesses["evidence"]["witnesses"] == {WITNESS: witness_key}
    assert report["passed"] is True and report["counts"].get("fail", 0) == 0, report["counts"]
    by_number = {c["number"]: c for c in report["checks"]}
    # The registrar's signed register counts (17); the key ceremony (11-13); eligibility bounds (44).
    for number in (11, 12, 13, 17, 20, 40, 42, 44):
        assert by_number[number]["status"] == "pass", by_number[number]
    # The voting window, by the log's times and by the witness's: every ballot was witnessed before the close.
    window = by_number[24]
    assert window["status"] == "pass", window
    assert window["evidence"]["witness_times_compared"] is True and "witnessed by" in window["message"], window


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 400, response.text
    return response.json()

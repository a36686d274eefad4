"""The registrar and the ballot box as two separate servers on loopback (`shailoo serve --role registrar` and
``--role ballot-box``), each with its own SQLite file: voters identify at the registrar, cast at the ballot box,
the election closes (the registrar's final issuance counts, then the ballot box's close), is tallied and decrypted,
and ``shailoo verify`` passes on the ballot box's board export. Afterwards nothing the ballot box holds — its
database files, its log, its settings (environment and command line) — contains a voter's personal number or the
registrar's voter-hash key (or the keys derived from it, or the template key); the same scan run over the
registrar's side finds them, so the scan can see what it looks for.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from bulletin_board.storage import open_storage
from cli.main import app as cli
from crypto import signing
from crypto.elgamal import Ciphertext
from crypto.threshold import compute_decryption_shares
from elections.manifest import Manifest
from elections.presets import build_preset
from identity.registry import SqlVoterRegistry
from identity.settings import IdentitySettings
from mobile_api.client import VoterClient
from record.trustee_posts import sign_trustee_post
from tests.faults.server import free_port
from tests.server import harness
from tests.server.harness import CEREMONY, DEVICE_ID, attestation, todays_window
from trustees.in_process import new_trustee_stores, roster_for, run_key_ceremony
from trustees.keystore_contents import MemoryStore, TrusteeSecrets
from voting_server.app import create_app
from voting_server.identification import device_public_key
from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN, ServerRole, Settings

OPERATOR = {"Authorization": f"Bearer {DEVELOPMENT_OPERATOR_TOKEN}"}
VOTERS = 6
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    """One ``shailoo serve`` process; everything it was given and wrote is under ``home``."""

    home: Path
    args: list[str]
    env: dict[str, str]
    port: int

    def __post_init__(self) -> None:
        self.log = self.home / "server.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from cli.main import app; app()",
                    "serve",
                    *self.args,
                    "--port",
                    str(self.port),
                ],
                cwd=self.home,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 180  # a loaded machine imports slowly
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def traces(home: Path, env: Mapping[str, str], args: list[str], needles: Mapping[str, list[bytes]]) -> list[str]:
    """Which needles (personal numbers, keys) occur in a server's files under ``home`` (database, WAL, log), in its
    environment or its command line."""
    haystacks = {str(p): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()}
    haystacks["environment"] = json.dumps(dict(env)).encode()
    haystacks["command line"] = " ".join(args).encode()
    found = []
    for name, forms in needles.items():
        for where, data in haystacks.items():
            if any(form in data or form.lower() in data.lower() for form in forms):
                found.append(f"{name} in {where}")
    return found


def _key_forms(hex_key: str) -> list[bytes]:
    raw = bytes.fromhex(hex_key)
    return [hex_key.encode(), raw]


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    registrar, ballot_box = tmp_path / "registrar", tmp_path / "ballot-box"
    registrar.mkdir()
    ballot_box.mkdir()
    yield registrar, ballot_box


def _prepare_board(board_url: str, board_seed: str, manifest: Manifest, stores: list[MemoryStore]) -> None:
    """The commission's setup on the ballot box's board before it serves: the manifest and the key ceremony."""
    settings = Settings(
        role=ServerRole.BALLOT_BOX, database_url=board_url, board_signing_key=board_seed, min_issuer_key_bits=2048
    )
    app = create_app(settings)
    parts = app.state.components
    from fastapi.testclient import TestClient

    with TestClient(app) as http:
        answer = http.post("/v1/admin/manifest", headers=OPERATOR, json={"manifest": manifest.to_canonical_dict()})
        assert answer.status_code == 200, answer.text
        run_key_ceremony(parts.board, CEREMONY, stores)
    parts.storage.close()


def _ok(response: httpx.Response) -> object:
    assert response.status_code < 400, response.text
    return response.json()


@pytest.mark.slow
def test_registrar_and_ballot_box_run_apart_and_the_ballot_box_holds_no_personal_data(
    homes: tuple[Path, Path],
) -> None:
    registrar_home, ballot_box_home = homes
    board_url = f"sqlite:///{ballot_box_home / 'ballot-box.sqlite3'}"
    identity_url = f"sqlite:///{registrar_home / 'registrar.sqlite3'}"
    board_seed = secrets.token_hex(32)
    identity = IdentitySettings(voter_hash_key=secrets.token_hex(32), template_key=secrets.token_hex(32))

    # The commission: trustees' roster, the registrar's key pinned, an early close allowed (the test closes now).
    stores = new_trustee_stores(CEREMONY)
    manifest = todays_window(
        build_preset("village").with_trustees(roster_for(stores), CEREMONY.k), early_close_allowed=True
    ).with_registrar_key(signing.public_key_bytes(identity.registrar_signing_key))
    _prepare_board(board_url, board_seed, manifest, stores)
    # The register, in the registrar's own database only.
    registry = SqlVoterRegistry(
        open_storage(identity_url, create=False).engine,
        identity.template_key_bytes,
        duplicate_face_distance=identity.duplicate_face_distance,
    )
    records = [harness.test_voter_record(manifest, i) for i in range(VOTERS)]
    registry.add_all(records)

    common = {k: v for k, v in os.environ.items() if not k.startswith("SHAILOO_")}
    common |= {
        "PYTHONPATH": str(REPO),
        "SHAILOO_BOARD_SIGNING_KEY": board_seed,
        "SHAILOO_MAX_MERGE_DELAY": "0.5",
    }
    registrar_env = common | {
        "SHAILOO_IDENTITY_VOTER_HASH_KEY": identity.voter_hash_key,
        "SHAILOO_IDENTITY_TEMPLATE_KEY": identity.template_key,
    }
    registrar_args = ["--role", "registrar", "--database-url", identity_url, "--board-database-url", board_url]
    registrar_args += ["--issuer-keys-dir", str(registrar_home / "issuer-keys")]
    ballot_box_env = dict(common)
    ballot_box_args = ["--role", "ballot-box", "--database-url", board_url]
    ballot_box = Server(ballot_box_home, ballot_box_args, ballot_box_env, free_port())
    try:
        registrar = Server(registrar_home, registrar_args, registrar_env, free_port())
    except BaseException:
        ballot_box.stop()
        raise
    try:
        reg = httpx.Client(base_url=registrar.url, headers=OPERATOR, timeout=60)
        box = httpx.Client(base_url=ballot_box.url, headers=OPERATOR, timeout=60)
        # Setup: the registrar's issuer keys (3072 bits: what `shailoo verify` accepts) and register counts; the
        # ballot box's device and the opening.
        _ok(reg.post("/v1/admin/issuer-keys", json={"bits": 3072}))
        _ok(reg.post("/v1/admin/register-counts"))
        device_key = Ed25519PrivateKey.generate()
        device = {"device_id": DEVICE_ID, "public_key": device_public_key(device_key).hex()}
        _ok(box.post("/v1/admin/devices", json=device))
        _ok(box.post("/v1/admin/channels/open", json={"channels": ["app", "kiosk"]}))
        # Each server refuses the other's routes.
        assert box.post("/v1/identification/sessions", json={}).status_code == 404
        assert reg.post("/v1/ballots", json={}).status_code == 404

        # Voters identify at the registrar and cast, on a connection of their own, at the ballot box.
        for i, record in enumerate(records):
            voter = VoterClient(
                httpx.Client(base_url=registrar.url, timeout=60),
                cast_connection=lambda: httpx.Client(base_url=ballot_box.url, timeout=60),
            )
            session = voter.start_identification(record.personal_number)
            signed = attestation(manifest, device_key, record.personal_number, session.session_id)
            identified = voter.submit_attestation(session.session_id, signed)
            credential = voter.obtain_credential(session.session_id, identified.style_id)
            style = manifest.ballot_style(credential.public.ballot_style_id)
            marks = {c: [manifest.contest(c).selections[i % 2].selection_id] for c in style.contest_ids}
            receipt = voter.cast(voter.prepare_ballot(credential, marks))
            assert receipt.tracking_code
            voter.close()

        # The close: the ballot box refuses it until the registrar's final issuance counts are on the board.
        reason = {"reason": "the test election closes early"}
        refused = box.post("/v1/admin/close", json=reason)
        assert refused.status_code == 409 and refused.json()["code"] == "wrong_phase", refused.text
        _ok(reg.post("/v1/admin/issuance/final", json=reason))
        _ok(box.post("/v1/admin/close", json=reason))
        _ok(box.post("/v1/admin/tally", json={}))
        job = _ok(box.get("/v1/trustees/tally"))
        assert isinstance(job, dict)
        published = [_post_shares(box, manifest, stores, job, trustee) for trustee in (1, 3, 5)]
        assert published == [False, False, True]  # results follow the third trustee's shares

        verified = CliRunner().invoke(
            cli, ["verify", f"{ballot_box.url}/v1/board/export", "--min-witnesses", "0", "--no-progress"]
        )
        assert verified.exit_code == 0, verified.output
        reg.close()
        box.close()
    finally:
        ballot_box.stop()
        registrar.stop()

    # The scan: personal numbers and the registrar's keys, in every form they could be written.
    registrar_seed = identity.registrar_signing_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    needles = {f"personal number {r.personal_number}": [r.personal_number.encode()] for r in records}
    needles["voter-hash key"] = _key_forms(identity.voter_hash_key)
    needles["template key"] = _key_forms(identity.template_key)
    needles["registrar signing key"] = _key_forms(registrar_seed.hex())
    needles["session key"] = _key_forms(identity.session_key_bytes.hex())
    assert traces(ballot_box_home, ballot_box_env, ballot_box_args, needles) == []
    # The control: the registrar's side holds exactly those things, and the same scan finds them.
    found = traces(registrar_home, registrar_env, registrar_args, needles)
    assert all(any(f.startswith(name + " in ") for f in found) for name in needles if name.startswith("personal"))
    assert any(f.startswith("voter-hash key in ") for f in found)


def _post_shares(
    box: httpx.Client, manifest: Manifest, stores: list[MemoryStore], job: dict[str, Any], trustee: int
) -> bool:
    """Trustee ``trustee`` decrypts the tally's ciphertexts and posts its signed shares to the ballot box."""
    secrets_ = next(s for s in (TrusteeSecrets.from_dict(st.secrets) for st in stores) if s.index == trustee)
    assert secrets_.key_share is not None and secrets_.identity_key is not None
    ciphertexts = [Ciphertext.from_bytes(bytes.fromhex(h)) for h in job["ciphertexts"]]
    shares = compute_decryption_shares(
        bytes.fromhex(job["context"]), trustee, secrets_.key_share.secret_share, ciphertexts
    )
    assert job["parts"] == 1
    payload = {
        "trustee": trustee,
        "tally_entry": job["tally_entry"],
        "part": 0,
        "parts": 1,
        "shares": [s.to_bytes().hex() for s in shares],
    }
    key = Ed25519PrivateKey.from_private_bytes(secrets_.identity_key)
    answer = _ok(
        box.post(
            "/v1/trustees/decryption-shares",
            json=sign_trustee_post(key, manifest.manifest_hash(), "decryption_share", payload),
        )
    )
    assert isinstance(answer, dict)
    return bool(answer["results_published"])

"""A small election driven through the real server app, for the server and end-to-end tests.

Small on purpose: 2048-bit issuer keys (explicitly allowed for tests by the crypto module), a handful of voters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bulletin_board.checkpoint import public_key_bytes
from crypto.blind_rsa import BlindRsaPrivateKey
from crypto.elgamal import Ciphertext
from crypto.threshold import compute_decryption_shares
from elections.manifest import Manifest, WitnessRosterEntry
from elections.presets import build_preset
from identity.credentials import Credential, IssuerKeys
from identity.face import FaceTemplate
from identity.registry import SqlVoterRegistry, VoterRecord
from mobile_api.client import VoterClient
from mobile_api.schemas import DeviceAttestation, IdentificationResult
from record.trustee_posts import sign_trustee_post
from trustees.coordinator import CeremonyParams
from trustees.in_process import new_trustee_stores, roster_for, run_key_ceremony
from trustees.keystore_contents import MemoryStore, TrusteeSecrets
from voting_server.app import create_app
from voting_server.components import Components
from voting_server.identification import device_public_key
from voting_server.settings import DEVELOPMENT_AUDITOR_TOKEN, DEVELOPMENT_OPERATOR_TOKEN, Settings

OPERATOR = {"Authorization": f"Bearer {DEVELOPMENT_OPERATOR_TOKEN}"}
AUDITOR = {"Authorization": f"Bearer {DEVELOPMENT_AUDITOR_TOKEN}"}
DEVICE_ID = "test-precinct-terminal"
WITNESS_NAME = "witness.test.kg"
_TEST_KEY: dict[str, BlindRsaPrivateKey] = {}
CEREMONY = CeremonyParams(5, 3)


def issuer_keys_for(manifest: Manifest) -> IssuerKeys:
    """Test issuer keys: ONE 2048-bit key, made once per session, for every ballot style (key generation is the
    slow part of a test). Safe for tests because the signed credential message names the ballot style; a real
    registrar has a distinct 3072-bit key per style."""
    if "key" not in _TEST_KEY:
        _TEST_KEY["key"] = BlindRsaPrivateKey.generate(2048, insecure_allow_small_for_tests=True)
    return IssuerKeys(dict.fromkeys((s.style_id for s in manifest.ballot_styles), _TEST_KEY["key"]))


def personal_number(i: int) -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=i * 31)
    return f"{1 + i % 2}{birth:%d%m%Y}{i:05d}"


def add_test_voter(
    registry: SqlVoterRegistry, manifest: Manifest, i: int, style_id: str | None = None
) -> tuple[str, str]:
    """Voter ``i`` in the registry, in ``style_id`` or else the manifest's ballot style ``i`` (round robin);
    (personal number, style)."""
    style = (
        manifest.ballot_styles[i % len(manifest.ballot_styles)] if style_id is None else manifest.ballot_style(style_id)
    )
    number = personal_number(i)
    registry.add(
        VoterRecord(
            personal_number=number,
            surname="Test",
            given_name=f"Voter {i}",
            patronymic="",
            birth_date=dt.date(int(number[5:9]), int(number[3:5]), int(number[1:3])),
            region=style.region_id,
            district=style.district_ids[-1],
            precinct="p1",
            # nobody's face, and one per voter (a face registered twice is held for review)
            face_template=FaceTemplate.from_array(np.random.default_rng(i).normal(0.0, 0.13, 128)),
        )
    )
    return number, style.style_id


def attestation(manifest: Manifest, device_key: Ed25519PrivateKey, number: str, session_id: str) -> DeviceAttestation:
    """The precinct device's signed assertion that it identified voter ``number`` in ``session_id``."""
    assertion = {
        "election_id": manifest.election_id,
        "session_id": session_id,
        "personal_number": number,
        "method": "document",
        "device_id": DEVICE_ID,
    }
    return DeviceAttestation.sign(DEVICE_ID, device_key, assertion)


@dataclass
class Election:
    """An election on a fresh database, set up to the state named by the steps the test calls."""

    tmp: Path
    preset: str = "president"
    database_url: str | None = None
    redis_url: str | None = None
    app: FastAPI = field(init=False)
    http: TestClient = field(init=False)
    components: Components = field(init=False)
    manifest: Manifest = field(init=False)
    witness_key: Ed25519PrivateKey = field(init=False)
    trustee_stores: list[MemoryStore] = field(default_factory=list)

    def __post_init__(self) -> None:
        settings = Settings(
            database_url=self.database_url or f"sqlite:///{self.tmp / 'board.sqlite3'}",
            redis_url=self.redis_url,
            min_issuer_key_bits=2048,
            log_level="WARNING",
        )
        self.app = create_app(settings)
        self.components = self.app.state.components
        self.http = TestClient(self.app, base_url="http://shailoo.test")
        # The trustees' identity keys exist before the manifest: the commission puts them on its roster.
        self.trustee_stores = new_trustee_stores(CEREMONY)
        # So does the witness's key: the commission pins it on the manifest's witness roster.
        self.witness_key = Ed25519PrivateKey.generate()
        witness = WitnessRosterEntry(
            name=WITNESS_NAME, public_key=public_key_bytes(self.witness_key.public_key()).hex()
        )
        self.manifest = (
            build_preset(self.preset)
            .with_trustees(roster_for(self.trustee_stores), CEREMONY.k)
            .with_witnesses([witness])
        )
        self.device_key = Ed25519PrivateKey.generate()
        self._next_voter = 0

    def close(self) -> None:
        self.components.stop()
        self.http.close()
        self.components.storage.close()

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, headers=OPERATOR, **kwargs)
        assert response.status_code < 400, response.text
        return response.json()

    # --- the election's steps ----------------------------------------------------------------------------------

    def load_manifest(self) -> None:
        self.admin("POST", "/v1/admin/manifest", json={"manifest": self.manifest.to_canonical_dict()})

    def key_ceremony(self) -> None:
        joint, _ = run_key_ceremony(self.components.board, CEREMONY, self.trustee_stores)
        self.joint_key = joint

    def publish_issuer_keys(self) -> None:
        keys = issuer_keys_for(self.manifest)
        self.components.election.post_issuer_keys(keys.public_keys())
        self.components.install_issuer_keys(keys)

    def open_voting(self) -> None:
        public = device_public_key(self.device_key).hex()
        self.admin("POST", "/v1/admin/devices", json={"device_id": DEVICE_ID, "public_key": public})
        self.admin("POST", "/v1/admin/channels/open", json={"channels": ["app", "kiosk"]})

    def setup_to_voting(self) -> Election:
        self.load_manifest()
        self.key_ceremony()
        self.publish_issuer_keys()
        self.open_voting()
        return self

    def register_voter(self, style_id: str | None = None) -> tuple[str, str]:
        """A new voter in the registry, in ``style_id`` or else the next ballot style; returns (personal number,
        style id)."""
        i = self._next_voter
        self._next_voter += 1
        registry = self.components.registry
        assert isinstance(registry, SqlVoterRegistry)
        return add_test_voter(registry, self.manifest, i, style_id)

    def voter_client(self) -> VoterClient:
        return VoterClient(self.http)

    def attest(self, client: VoterClient, number: str, session_id: str) -> IdentificationResult:
        """The precinct device identifies the voter ``number`` in the session ``session_id``."""
        return client.submit_attestation(session_id, attestation(self.manifest, self.device_key, number, session_id))

    def credential(
        self, client: VoterClient | None = None, *, style_id: str | None = None
    ) -> tuple[VoterClient, Credential]:
        """A voter (of ``style_id``, or the next style) identified by the precinct device, with a fresh credential."""
        client = client or self.voter_client()
        number, _ = self.register_voter(style_id)
        session = client.start_identification(number)
        identified = self.attest(client, number, session.session_id)
        return client, client.obtain_credential(session.session_id, identified.style_id)

    def first_choice(self, index: int = 0) -> dict[str, list[str]]:
        """Marks choosing selection ``index`` in every contest of the first ballot style."""
        style = self.manifest.ballot_styles[0]
        return {c: [self.manifest.contest(c).selections[index].selection_id] for c in style.contest_ids}

    def marks_for_index(self, index: int) -> dict[str, list[str]]:
        """Marks choosing selection ``index`` in every contest of the manifest."""
        return {c.contest_id: [c.selections[index].selection_id] for c in self.manifest.contests}

    def marks_for(self, credential: Credential, index: int = 0) -> dict[str, list[str]]:
        style = self.manifest.ballot_style(credential.public.ballot_style_id)
        return {c: [self.manifest.contest(c).selections[index].selection_id] for c in style.contest_ids}

    def close_and_tally(self) -> None:
        self.admin("POST", "/v1/admin/close")
        self.admin("POST", "/v1/admin/tally", json={})

    def trustee_secrets(self) -> Iterator[TrusteeSecrets]:
        for store in self.trustee_stores:
            yield TrusteeSecrets.from_dict(store.secrets)

    def decryption_shares(self, trustee: int) -> list[str]:
        job = self.http.get("/v1/trustees/tally").json()
        ciphertexts = [Ciphertext.from_bytes(bytes.fromhex(h)) for h in job["ciphertexts"]]
        secrets_ = next(s for s in self.trustee_secrets() if s.index == trustee)
        assert secrets_.key_share is not None
        shares = compute_decryption_shares(
            bytes.fromhex(job["context"]), trustee, secrets_.key_share.secret_share, ciphertexts
        )
        return [s.to_bytes().hex() for s in shares]

    def post_shares(self, trustee: int, shares: list[str] | None = None, *, signed_by: int | None = None) -> Any:
        """Trustee ``trustee``'s shares, signed with its identity key (or trustee ``signed_by``'s)."""
        job = self.http.get("/v1/trustees/tally").json()
        assert job["parts"] == 1, "the harness's elections are small: one part of shares per trustee"
        payload = {
            "trustee": trustee,
            "tally_entry": job["tally_entry"],
            "part": 0,
            "parts": 1,
            "shares": shares if shares is not None else self.decryption_shares(trustee),
        }
        signer = next(s for s in self.trustee_secrets() if s.index == (signed_by or trustee))
        assert signer.identity_key is not None
        key = Ed25519PrivateKey.from_private_bytes(signer.identity_key)
        body = sign_trustee_post(key, self.manifest.manifest_hash(), "decryption_share", payload)
        return self.http.post("/v1/trustees/decryption-shares", json=body)

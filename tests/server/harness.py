"""A small election driven through the real server app, for the server and end-to-end tests.

Small on purpose: 2048-bit issuer keys (explicitly allowed for tests by the crypto module), a handful of voters.

Time: the preset's voting window is moved to the day of the test (opened an hour ago, closing in twelve hours), so
a server on the system clock (the fault tests' uvicorn processes) takes ballots too; the in-process server runs on
`ElectionClock`, the system clock shifted by an offset, and `Election.close_voting` moves it to the manifest's
``voting_closes`` before it closes, as an operator would wait for it.
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
from bulletin_board.storage import now_ms
from crypto import signing
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
from record.window import utc_ms, utc_text
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


class ElectionClock:
    """The server's clock in tests (unix milliseconds): the system clock plus an offset the test moves."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def __call__(self) -> int:
        return now_ms() + self.offset_ms

    def travel_to(self, utc: str, *, plus_seconds: float = 0.0) -> None:
        """From now on the clock reads ``utc`` (``YYYY-MM-DDTHH:MM:SSZ``) plus ``plus_seconds``, and runs on."""
        self.offset_ms = utc_ms(utc) + int(plus_seconds * 1000) - now_ms()


def todays_window(manifest: Manifest, **policy: Any) -> Manifest:
    """``manifest`` with voting opened an hour ago and closing in twelve hours (by the system clock)."""
    now = now_ms()
    return manifest.with_voting_window(utc_text(now - 3_600_000), utc_text(now + 12 * 3_600_000), **policy)


def personal_number(i: int) -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=i * 31)
    return f"{1 + i % 2}{birth:%d%m%Y}{i:05d}"


def test_voter_record(manifest: Manifest, i: int, style_id: str | None = None) -> VoterRecord:
    """Voter ``i``, in ``style_id`` or else the manifest's ballot style ``i`` (round robin); a face of nobody's,
    one per voter (a face registered twice is held for review)."""
    style = (
        manifest.ballot_styles[i % len(manifest.ballot_styles)] if style_id is None else manifest.ballot_style(style_id)
    )
    number = personal_number(i)
    return VoterRecord(
        personal_number=number,
        surname="Test",
        given_name=f"Voter {i}",
        patronymic="",
        birth_date=dt.date(int(number[5:9]), int(number[3:5]), int(number[1:3])),
        region=style.region_id,
        district=style.district_ids[-1],
        precinct="p1",
        face_template=FaceTemplate.from_array(np.random.default_rng(i).normal(0.0, 0.13, 128)),
    )


def add_test_voter(
    registry: SqlVoterRegistry, manifest: Manifest, i: int, style_id: str | None = None
) -> tuple[str, str]:
    """`test_voter_record` ``i`` added to the registry; (personal number, style)."""
    record = test_voter_record(manifest, i, style_id)
    registry.add(record)
    return record.personal_number, style_id or manifest.ballot_styles[i % len(manifest.ballot_styles)].style_id


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
    #: Policy fields of the manifest to change (e.g. ``{"early_close_allowed": True}``).
    policy: dict[str, Any] = field(default_factory=dict)
    #: Voters on the register when the registrar counts it (before voting opens); `register_voter` hands them out
    #: in order, and registers more beyond them (uncounted: an election that needs them fails check 44).
    registered: int = 64
    clock: ElectionClock = field(default_factory=ElectionClock)

    def __post_init__(self) -> None:
        settings = Settings(
            database_url=self.database_url or f"sqlite:///{self.tmp / 'board.sqlite3'}",
            redis_url=self.redis_url,
            min_issuer_key_bits=2048,
            log_level="WARNING",
        )
        self.app = create_app(settings, clock=self.clock)
        self.components = self.app.state.components
        self.http = TestClient(self.app, base_url="http://shailoo.test")
        # The trustees' identity keys exist before the manifest: the commission puts them on its roster.
        self.trustee_stores = new_trustee_stores(CEREMONY)
        # So does the witness's key: the commission pins it on the manifest's witness roster.
        self.witness_key = Ed25519PrivateKey.generate()
        witness = WitnessRosterEntry(
            name=WITNESS_NAME, public_key=public_key_bytes(self.witness_key.public_key()).hex()
        )
        manifest = (
            build_preset(self.preset)
            .with_trustees(roster_for(self.trustee_stores), CEREMONY.k)
            .with_witnesses([witness])
        )
        # The commission pins the registrar's key (the one that signs the register counts) in the manifest.
        registrar_key = self.components.registrar.identity_settings.registrar_signing_key
        self.manifest = todays_window(manifest, **self.policy).with_registrar_key(
            signing.public_key_bytes(registrar_key)
        )
        self.device_key = Ed25519PrivateKey.generate()
        self._next_voter = 0
        self._on_register = 0

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

    def count_register(self) -> None:
        """The register holds ``registered`` voters; the registrar counts it and posts ``register_counts``."""
        registry = self.components.registry
        assert isinstance(registry, SqlVoterRegistry)
        registry.add_all(self._voter_record(i) for i in range(self._on_register, self.registered))
        self._on_register = max(self._on_register, self.registered)
        self.admin("POST", "/v1/admin/register-counts")

    def open_voting(self) -> None:
        self.count_register()
        public = device_public_key(self.device_key).hex()
        self.admin("POST", "/v1/admin/devices", json={"device_id": DEVICE_ID, "public_key": public})
        self.admin("POST", "/v1/admin/channels/open", json={"channels": ["app", "kiosk"]})

    def setup_to_voting(self) -> Election:
        self.load_manifest()
        self.key_ceremony()
        self.publish_issuer_keys()
        self.open_voting()
        return self

    def _voter_record(self, i: int) -> VoterRecord:
        return test_voter_record(self.manifest, i)

    def register_voter(self, style_id: str | None = None) -> tuple[str, str]:
        """The next voter of the register (registered now if the register has no more), in the next ballot style
        or the next one of ``style_id``; returns (personal number, style id)."""
        styles = self.manifest.ballot_styles
        i = self._next_voter
        while style_id is not None and styles[i % len(styles)].style_id != style_id:
            i += 1  # voters skipped here stay on the register, unused
        self._next_voter = i + 1
        record = self._voter_record(i)
        if i >= self._on_register:
            registry = self.components.registry
            assert isinstance(registry, SqlVoterRegistry)
            registry.add(record)
            self._on_register = i + 1
        return record.personal_number, styles[i % len(styles)].style_id

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

    def close_voting(self) -> Any:
        """The operator closes voting once the manifest's ``voting_closes`` has come (the clock moves there)."""
        self.clock.travel_to(self.manifest.dates.voting_closes)
        return self.admin("POST", "/v1/admin/close")

    def close_and_tally(self) -> None:
        if self.components.board.phase.value == "voting":  # devices may have needed the close already
            self.close_voting()
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

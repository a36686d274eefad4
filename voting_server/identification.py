"""The registrar behind the voter API: identification sessions and blind credential issuance.

Two ways to identify, both ending in `identity.issuance.Issuer.issue` (one identification per voter per election,
a database constraint, across every channel):

* a **precinct device's signed assertion** (`DeviceAttestation`): a commission device that identified the voter in
  person (face check at a kiosk camera, or the precinct's biometric terminal) signs
  ``lp("SHAILOO-V1/precinct/identification") || canonical_json(assertion)`` with its Ed25519 key, registered on the
  board as a ``device_key`` entry. The assertion names the election, the session, the personal number and the method;
* the phone's **face check with liveness** (``method: "face"``): identity's `IdentificationService` — a nonce and
  head turns, frames matched 1:1 against the registry template, eligibility, then the blind signature.

Session state lives in identity's `StateStore` (Redis when configured, else in-process) and each step *takes* it,
so no step can be replayed. It is sealed under the server's session key (`identity.state.SealedSessions`, key from
`IdentitySettings.session_key_bytes`, never in Redis) and never holds the personal number: the device's assertion
carries it, and the session keeps only the registrar's keyed voter hash to compare it with and to claim the
voter's slot at the credential step.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Callable
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.checkpoint import SignedPromise
from bulletin_board.phases import Phase
from crypto import signing
from elections.manifest import Manifest
from identity.credentials import IssuerKeys
from identity.errors import IdentityHeldError
from identity.issuance import Issuer
from identity.personal_number import parse_personal_number
from identity.registry import VoterRecord, VoterRegistry
from identity.session import IdentificationService
from identity.settings import IdentitySettings
from identity.state import SealedSessions, StateStore
from mobile_api.errors import ApiError
from mobile_api.schemas import (
    CredentialIssued,
    CredentialRequest,
    DeviceAttestation,
    FaceEvidence,
    IdentificationResult,
    IdentificationSession,
    IdentificationStart,
)
from record.attestation import AttestationError, check_assertion
from record.devices import DeviceRecord, device_slot
from record.register import sign_register_counts
from voting_server.election import ElectionService

_PURPOSE: Final = "voter-session"
_FACE_PREFIX: Final = "voter-face-session:"
SESSION_TTL_SECONDS: Final = 300


def device_public_key(key: Ed25519PrivateKey) -> bytes:
    return signing.public_key_bytes(key)


def ballot_style_for_voter(manifest: Manifest, voter: VoterRecord) -> str | None:
    """The style whose districts hold the voter's district, preferring the one of the voter's region."""
    return _style_for_place(manifest, voter.region, voter.district)


def style_for_place(manifest: Manifest, region: str, district: str) -> str | None:
    """The ballot style of a place (region, district), preferring a style of that region."""
    return _style_for_place(manifest, region, district)


def _style_for_place(manifest: Manifest, region: str, district: str) -> str | None:
    styles = [s for s in manifest.ballot_styles if district in s.district_ids]
    in_region = [s for s in styles if s.region_id == region]
    chosen = in_region or styles
    return chosen[0].style_id if chosen else None


class RegistrarService:
    """Implements `mobile_api.services.IdentificationService` over identity's registry and issuance ledger."""

    def __init__(
        self,
        election: ElectionService,
        *,
        registry: VoterRegistry,
        issuer: Issuer,
        issuer_keys: IssuerKeys | None,
        store: StateStore,
        load_issuer_keys: Callable[[], IssuerKeys | None] | None = None,
        identity_settings: IdentitySettings | None = None,
    ) -> None:
        self.election = election
        self.registry = registry
        self.issuer = issuer
        self.issuer_keys = issuer_keys
        self.store = store
        # Another worker process may have made the keys (admin API): read them from the key directory then.
        self._load_issuer_keys = load_issuer_keys
        self.identity_settings = identity_settings or IdentitySettings()
        self._sessions = SealedSessions(store, self.identity_settings.session_key_bytes, _PURPOSE, SESSION_TTL_SECONDS)
        self._faces: IdentificationService | None = None
        #: The voter cabinet (`voting_server.cabinet.CabinetService`): moves voters on the list; set by the components.
        self.cabinet: Any | None = None

    def voter_style(self, manifest: Manifest, voter: VoterRecord) -> str | None:
        """The voter's ballot style: the one her cabinet application moved her to, else her home one."""
        if self.cabinet is not None:
            moved = self.cabinet.moved_style(
                manifest.election_id, self.issuer.voter_hash(manifest.election_id, voter.personal_number)
            )
            if moved is not None:
                return str(moved)
        return ballot_style_for_voter(manifest, voter)

    def _require_voting(self) -> Manifest:
        """The manifest, while voting and inside the manifest's voting window (``wrong_phase``,
        ``outside_voting_window``): no identification and no credential outside the window. Where the manifest
        opens a registration window (``policy.registration_opens``), also from then on once the election is
        ``ready`` (keys and register counts on the board) — before voting opens."""
        phase = self.election.phase
        window = self.election.window()
        early = phase is Phase.READY and window.registers_before_voting
        if phase is not Phase.VOTING and not early:
            raise ApiError(f"identification is open while voting, not {phase.value}", code="wrong_phase")
        if early and self.election.board.find_by_dedup_key("register_counts") is None:
            raise ApiError(
                "registration opens once the registrar's register counts are on the board", code="wrong_phase"
            )
        window.check_registration_open(self.election.clock())
        return self.election.state().require_manifest()

    def start(self, request: IdentificationStart, client_address: str) -> IdentificationSession:
        manifest = self._require_voting()
        parse_personal_number(request.national_id)
        if self.cabinet is not None:  # a voter who applied to vote away from home has one channel left
            voter_hash = self.issuer.voter_hash(manifest.election_id, request.national_id)
            self.cabinet.check_channel(manifest.election_id, voter_hash, request.channel)
        if request.method == "face":
            started = self._face_service(manifest).start(
                manifest.election_id, request.national_id, request.channel, client_address
            )
            self.store.put(_FACE_PREFIX + started.session_id, b"face", SESSION_TTL_SECONDS)
            return IdentificationSession(
                session_id=started.session_id,
                liveness_nonce=started.challenge.nonce,
                liveness_turns=[t.value for t in started.challenge.turns],
                expires_in_seconds=SESSION_TTL_SECONDS,
            )
        session_id = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(16)
        state = {
            "step": "identify",
            "election_id": manifest.election_id,
            "voter_hash": self.issuer.voter_hash(manifest.election_id, request.national_id),
            "channel": request.channel,
            "nonce": nonce,
        }
        self._sessions.put(session_id, state)
        return IdentificationSession(
            session_id=session_id, liveness_nonce=nonce, expires_in_seconds=SESSION_TTL_SECONDS
        )

    def _face_service(self, manifest: Manifest) -> IdentificationService:
        """identity's face-and-liveness session service, made once the issuer keys exist."""
        if self._faces is None:
            keys = self._keys()
            self._faces = IdentificationService(
                settings=self.identity_settings,
                registry=self.registry,
                issuer=self.issuer,
                election_keys={manifest.election_id: keys},
                ballot_styles=_ManifestStyles(manifest, self),
                store=self.store,
            )
        return self._faces

    def submit_face(self, session_id: str, evidence: FaceEvidence, client_address: str) -> IdentificationResult:
        manifest = self._require_voting()
        try:
            frames = [base64.b64decode(f, validate=True) for f in evidence.frames_base64]
        except ValueError as e:  # binascii.Error, and ValueError for non-ASCII text
            raise ApiError("face frames are base64 images", code="malformed") from e
        verified = self._face_service(manifest).submit_frames(
            session_id, evidence.liveness_nonce, frames, client_address
        )
        return IdentificationResult(session_id=session_id, identified=True, style_id=verified.ballot_style_id)

    def submit_attestation(
        self, session_id: str, attestation: DeviceAttestation, client_address: str
    ) -> IdentificationResult:
        state = self._sessions.take(session_id, "identify")
        manifest = self._require_voting()
        device_key = self._device_key(attestation.device_id)
        if device_key is None:
            raise ApiError(
                f"device {attestation.device_id!r} is not registered on the board", code="identification_failed"
            )
        try:
            check_assertion(device_key, attestation.assertion, bytes.fromhex(attestation.signature))
        except AttestationError as e:
            raise ApiError(e.message, code="invalid_signature") from e
        assertion = attestation.assertion
        election_id = state["election_id"]
        number = assertion.get("personal_number")
        if (
            not isinstance(number, str)
            # the session kept the voter's keyed hash, not the number: the assertion's number must hash to it
            or not hmac.compare_digest(self.issuer.voter_hash(election_id, number), state["voter_hash"])
            or assertion.get("election_id") != election_id
            or assertion.get("session_id") != session_id
        ):
            raise ApiError("the assertion is for another voter, session or election", code="identification_failed")
        voter = self.registry.lookup(number)
        style = self.voter_style(manifest, voter)
        if style is None:
            raise ApiError("this voter has no ballot in this election", code="not_eligible")
        if self.issuer.is_identified(election_id, number):
            raise ApiError("this voter has already been identified in this election", code="already_identified")
        try:
            self.issuer.check_not_held(number)  # a face review open on, or decided against, this identity
        except IdentityHeldError as e:
            raise ApiError(e.message, code=e.code) from e
        self._sessions.put(session_id, {**state, "step": "credential", "ballot_style_id": style})
        return IdentificationResult(session_id=session_id, identified=True, style_id=style)

    # --- the register -------------------------------------------------------------------------------------------

    def register_counts(self, manifest: Manifest) -> dict[str, int]:
        """Voters on the register per ballot style (`ballot_style_for_voter` on each voter's region and district);
        voters of no style of this election are not counted. ``not_supported`` for a registry that cannot count."""
        count = getattr(self.registry, "counts_by_district", None)
        if count is None:
            raise ApiError("this voter registry cannot count the register", code="not_supported")
        counts = dict.fromkeys((s.style_id for s in manifest.ballot_styles), 0)
        for (region, district), n in count().items():
            style = _style_for_place(manifest, region, district)
            if style is not None:
                counts[style] += n
        if self.cabinet is not None:  # voters the cabinet moved count where they now vote
            for style, delta in self.cabinet.count_moves(manifest.election_id).items():
                counts[style] = counts.get(style, 0) + delta
        return counts

    def post_register_counts(self) -> SignedPromise:
        """Count the register, sign the counts with the registrar's key and post ``register_counts``."""
        manifest = self.election.state().require_manifest()
        signed = sign_register_counts(
            self.identity_settings.registrar_signing_key, manifest, self.register_counts(manifest)
        )
        return self.election.post_register_counts(signed)

    def _keys(self) -> IssuerKeys:
        if self.issuer_keys is None and self._load_issuer_keys is not None:
            self.issuer_keys = self._load_issuer_keys()
        if self.issuer_keys is None:
            raise ApiError("this server holds no issuer keys", code="unavailable")
        return self.issuer_keys

    def _device_key(self, device_id: str) -> bytes | None:
        """The device's registered key: from the setup entries, or (registered during voting) by its board slot."""
        known = self.election.state().device_keys.get(device_id)
        if known is not None:
            return known
        entry = self.election.board.find_by_dedup_key(device_slot(device_id))
        return DeviceRecord.from_payload(entry.payload).public_key if entry is not None else None

    def issue_credential(self, request: CredentialRequest, client_address: str) -> CredentialIssued:
        manifest = self._require_voting()
        blinded = bytes.fromhex(request.blinded_message)
        if self.store.take(_FACE_PREFIX + request.session_id) is not None:
            issued = self._face_service(manifest).issue_credential(request.session_id, blinded, client_address)
            return CredentialIssued(style_id=issued.ballot_style_id, blind_signature=issued.blind_signature.hex())
        state = self._sessions.take(request.session_id, "credential")
        issuance = self.issuer.issue_for_voter_hash(
            state["election_id"],
            state["voter_hash"],
            state["ballot_style_id"],
            state["channel"],
            blinded,
            self._keys(),
        )
        return CredentialIssued(style_id=issuance.ballot_style_id, blind_signature=issuance.blind_signature.hex())

    def claim_identified(self, session_id: str) -> tuple[Manifest, str]:
        """Take the slot of the voter identified in ``session_id`` (face or precinct device) without a blind
        signature: the coercion-resistant mode's registration. Once per voter (``already_identified``); the
        manifest and the voter's ballot style."""
        manifest = self._require_voting()
        if self.store.take(_FACE_PREFIX + session_id) is not None:
            return manifest, self._face_service(manifest).claim(session_id).ballot_style_id
        state = self._sessions.take(session_id, "credential")
        issuance = self.issuer.issue_for_voter_hash(
            state["election_id"], state["voter_hash"], state["ballot_style_id"], state["channel"], None, None
        )
        return manifest, issuance.ballot_style_id


class _ManifestStyles:
    """identity's `BallotStyleResolver` over the election's manifest."""

    def __init__(self, manifest: Manifest, registrar: RegistrarService) -> None:
        self.manifest = manifest
        self.registrar = registrar

    def ballot_style_for(self, election_id: str, voter: VoterRecord) -> str | None:
        return self.registrar.voter_style(self.manifest, voter) if election_id == self.manifest.election_id else None

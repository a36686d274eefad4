"""The identification session: start → nonce → frames → match → eligibility → blind signature.

    service.start(election_id, personal_number, channel, client_address)      -> SessionStart (session id, challenge)
    service.submit_frames(session_id, nonce, frames, client_address)          -> VerifiedIdentity (ballot style, key)
    service.issue_credential(session_id, blinded_message, client_address)     -> Issuance (blind signature)

Each step *takes* the session state (atomic read-and-delete) and writes the next one, so no step can be replayed.
The state is sealed with AES-256-GCM under the server's session key (`identity.state.SealedSessions`) before it
goes to Redis, and holds only what the next step needs: the personal number while waiting for the frames (the
registry look-up needs it), only the keyed voter hash once the face matched. Failures (bad frames, mismatch,
unknown voter) count against the voter (keyed hash of the personal number, not per election) and the client
address; at the configured limits `LockedOutError` is raised until the window passes. The ballot style is
revealed only after the face matched.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from crypto.blind_rsa import BlindRsaPublicKey
from identity.credentials import IssuerKeys
from identity.errors import (
    AlreadyIdentifiedError,
    FaceMatchesAnotherIdentityError,
    IdentityError,
    IdentityHeldError,
    LockedOutError,
    NotEligibleError,
    RegistryUnavailableError,
    SessionError,
)
from identity.face import FaceObservation, FaceTemplate
from identity.issuance import CHANNELS, Issuance, Issuer, voter_hash
from identity.liveness import Challenge, LivenessChecker, LivenessConfig, PassiveAntiSpoofing
from identity.personal_number import parse_personal_number
from identity.registry import FaceIndex, VoterRecord, VoterRegistry
from identity.settings import IdentitySettings
from identity.state import SealedSessions, StateStore

_SESSION_PURPOSE: Final = "session"
_LOCKOUT_ELECTION: Final = "lockout"  # voter lockout counters are per person, across elections


class BallotStyleResolver(Protocol):
    def ballot_style_for(self, election_id: str, voter: VoterRecord) -> str | None:
        """The voter's ballot style in the election, or None if they have none there."""
        ...


class DistrictBallotStyles:
    """Ballot style by the voter's district: ``{election_id: {district: ballot_style_id}}``."""

    def __init__(self, styles: Mapping[str, Mapping[str, str]]) -> None:
        self._styles = {e: dict(m) for e, m in styles.items()}

    def ballot_style_for(self, election_id: str, voter: VoterRecord) -> str | None:
        return self._styles.get(election_id, {}).get(voter.district)


@dataclass(frozen=True)
class SessionStart:
    session_id: str
    challenge: Challenge


@dataclass(frozen=True)
class VerifiedIdentity:
    """After a match: the ballot style and the issuer key the device must blind its credential message under."""

    session_id: str
    ballot_style_id: str
    issuer_key: BlindRsaPublicKey


class IdentificationService:
    """Runs identification sessions for one registrar."""

    def __init__(
        self,
        *,
        settings: IdentitySettings,
        registry: VoterRegistry,
        issuer: Issuer,
        election_keys: Mapping[str, IssuerKeys],
        ballot_styles: BallotStyleResolver,
        store: StateStore,
        anti_spoofing: PassiveAntiSpoofing | None = None,
        face_index: FaceIndex | None = None,
        clock: Callable[[], float] = time.time,
        purpose: str = _SESSION_PURPOSE,
        channels: Sequence[str] = CHANNELS,
    ) -> None:
        """``purpose`` and ``channels`` make a service of another kind of session (the voter cabinet's, which
        only checks the face: `check_face`); its sealed state opens under its own purpose only, so a session of
        one kind can never be taken as the other's."""
        self._settings = settings
        self._purpose = purpose
        self._channels = tuple(channels)
        self._registry = registry
        # The 1:N check needs every registered face: the registry's own gallery unless another index is given. A
        # registry that cannot search (the state data exchange) leaves it off; docs/identity.md says so.
        if face_index is None and isinstance(registry, FaceIndex):
            face_index = registry
        self._face_index = face_index
        self._issuer = issuer
        self._keys = dict(election_keys)
        self._styles = ballot_styles
        self._store = store
        self._sessions = SealedSessions(store, settings.session_key_bytes, purpose, settings.session_ttl_seconds)
        liveness_config = LivenessConfig(
            turns=settings.challenge_turns,
            nonce_ttl_seconds=settings.nonce_ttl_seconds,
            min_yaw_change=settings.min_yaw_change,
            max_planar_similarity=settings.max_planar_similarity,
        )
        self.liveness = LivenessChecker(store, liveness_config, settings.face_config(), anti_spoofing, clock)

    # --- lockouts ----------------------------------------------------------------------------------------------

    def _counter_keys(self, personal_number: str, client_address: str) -> tuple[str, str]:
        key = self._settings.voter_hash_key_bytes
        return (
            "fail:voter:" + voter_hash(key, _LOCKOUT_ELECTION, personal_number),
            "fail:addr:" + voter_hash(key, "address", client_address),
        )

    def _check_lockout(self, personal_number: str, client_address: str) -> None:
        voter_key, address_key = self._counter_keys(personal_number, client_address)
        if self._store.count(voter_key) >= self._settings.max_failures_per_voter:
            raise LockedOutError("too many failed attempts for this voter: try again later")
        if self._store.count(address_key) >= self._settings.max_failures_per_address:
            raise LockedOutError("too many failed attempts from this address: try again later")

    def _fail(self, error: IdentityError, state: Mapping[str, Any], client_address: str, event: str) -> None:
        voter_key, address_key = self._counter_keys(state["personal_number"], client_address)
        self._store.increment(voter_key, self._settings.voter_failure_window_seconds)
        self._store.increment(address_key, self._settings.address_failure_window_seconds)
        hashed = self._issuer.voter_hash(state["election_id"], state["personal_number"])
        self._issuer.audit(event, error.code, state["election_id"], hashed, state["channel"])

    # --- the three steps ---------------------------------------------------------------------------------------

    def start(self, election_id: str, personal_number: str, channel: str, client_address: str) -> SessionStart:
        """Open a session and issue the liveness challenge. Raises `PersonalNumberError` or `LockedOutError`."""
        if channel not in self._channels:
            raise ValueError(f"unknown channel {channel!r}")
        parse_personal_number(personal_number)
        self._check_lockout(personal_number, client_address)
        session_id = secrets.token_urlsafe(24)
        challenge = self.liveness.issue_challenge(context=session_id)
        state = {"step": "frames", "election_id": election_id, "personal_number": personal_number, "channel": channel}
        self._sessions.put(session_id, state)
        hashed = self._issuer.voter_hash(election_id, personal_number)
        self._issuer.audit("session_started", "ok", election_id, hashed, channel)
        return SessionStart(session_id, challenge)

    def check_face(
        self, session_id: str, nonce: str, frames: Sequence[bytes], client_address: str
    ) -> tuple[str, str, VoterRecord]:
        """The face check alone: liveness, the 1:1 match against the registry photo and the 1:N check, with the
        lockout counters. Takes the session (any failure ends it); returns the election id, the channel and the
        voter. Claims nothing: no eligibility, no slot in the issuance ledger (`submit_frames` goes on to those)."""
        state = self._sessions.take(session_id, "frames")
        election_id, personal_number = state["election_id"], state["personal_number"]
        self._check_lockout(personal_number, client_address)
        try:
            voter = self._registry.lookup(personal_number)
            result = self.liveness.check_frames(nonce, frames, voter.face_template, context=session_id)
            self._check_no_closer_identity(personal_number, voter.face_template, result.observations)
        except RegistryUnavailableError:
            raise  # our outage, not the voter's failure
        except IdentityError as e:
            self._fail(e, state, client_address, "face_check")
            raise
        self._store.delete(self._counter_keys(personal_number, client_address)[0])
        hashed = self._issuer.voter_hash(election_id, personal_number)
        self._issuer.audit("face_check", "matched", election_id, hashed, state["channel"])
        return election_id, state["channel"], voter

    def submit_frames(
        self, session_id: str, nonce: str, frames: Sequence[bytes], client_address: str
    ) -> VerifiedIdentity:
        """`check_face`, then eligibility; the session then waits for the credential step."""
        if self._purpose != _SESSION_PURPOSE:
            raise SessionError("this kind of session issues no credential")
        election_id, channel, voter = self.check_face(session_id, nonce, frames, client_address)
        personal_number = voter.personal_number
        state = {"election_id": election_id, "channel": channel}
        style = self._styles.ballot_style_for(election_id, voter)
        keys = self._keys.get(election_id)
        hashed = self._issuer.voter_hash(election_id, personal_number)
        if style is None or keys is None or style not in keys.ballot_style_ids:
            self._issuer.audit("eligibility", NotEligibleError.code, election_id, hashed, state["channel"])
            raise NotEligibleError("this voter has no ballot in this election")
        if self._issuer.is_identified(election_id, personal_number):
            self._issuer.audit("eligibility", "already_identified", election_id, hashed, state["channel"])
            raise AlreadyIdentifiedError("this voter has already been identified in this election")
        try:
            self._issuer.check_not_held(personal_number)  # asked again inside the issuance transaction
        except IdentityHeldError as e:
            self._issuer.audit("eligibility", e.code, election_id, hashed, state["channel"])
            raise
        # The credential step needs the voter's slot in the ledger, not the person: keep the keyed hash only.
        next_state = {"step": "credential", "election_id": election_id, "voter_hash": hashed, "ballot_style_id": style}
        self._sessions.put(session_id, {**next_state, "channel": state["channel"]})
        return VerifiedIdentity(session_id, style, keys.public_keys()[style])

    def _check_no_closer_identity(
        self, personal_number: str, reference: FaceTemplate, observations: Sequence[FaceObservation]
    ) -> None:
        """1:N: raise ``face_matches_another_identity`` if a frame's face matches another registered identity
        (within the tolerance) better than the claimed one's template."""
        if self._face_index is None:
            return
        templates = [o.template for o in observations]
        nearest = self._face_index.nearest_other_identities(personal_number, templates)
        for template, other in zip(templates, nearest, strict=True):
            if other is None:
                continue
            if other.distance <= self._settings.face_tolerance and other.distance < template.distance(reference):
                raise FaceMatchesAnotherIdentityError(
                    "this face matches another registered voter better than the one named: see the registrar"
                )

    def claim(self, session_id: str) -> Issuance:
        """Take the voter's slot for an identified session without a blind signature (the coercion-resistant mode,
        whose credential goes on the roster instead); one per voter per election, like `issue_credential`."""
        state = self._sessions.take(session_id, "credential")
        return self._issuer.issue_for_voter_hash(
            state["election_id"], state["voter_hash"], state["ballot_style_id"], state["channel"], None, None
        )

    def issue_credential(self, session_id: str, blinded_message: bytes, client_address: str) -> Issuance:
        """Blind-sign the device's blinded credential message; one per voter per election (database constraint)."""
        state = self._sessions.take(session_id, "credential")
        election_id = state["election_id"]
        return self._issuer.issue_for_voter_hash(
            election_id,
            state["voter_hash"],
            state["ballot_style_id"],
            state["channel"],
            blinded_message,
            self._keys[election_id],
        )

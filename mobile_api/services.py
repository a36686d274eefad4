"""What the voter API needs from the server, as Protocols. The server (voting_server) implements them;
the router (`mobile_api.router`) only translates HTTP to these calls, so the API layer holds no state.

Every method raises a `crypto.errors.ShailooError` with a stable code on refusal; nothing is changed then.
``client_address`` is the caller's network address (identification failures are counted per address too).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

from mobile_api.schemas import (
    BallotDefinition,
    CredentialIssued,
    CredentialRequest,
    DeviceAttestation,
    ElectionPublic,
    FaceEvidence,
    IdentificationResult,
    IdentificationSession,
    IdentificationStart,
    Language,
    Receipt,
    ReceiptStatus,
)


class ElectionInfoService(Protocol):
    def election(self) -> ElectionPublic:
        """The public election description (manifest, keys, phase)."""
        ...

    def ballot_definition(self, style_id: str, language: Language) -> BallotDefinition:
        """The ballot of ``style_id`` in ``language`` (ky, ru or en)."""
        ...


class IdentificationService(Protocol):
    def start(self, request: IdentificationStart, client_address: str) -> IdentificationSession:
        """Open a session for the voter's national id (eligibility is checked here)."""
        ...

    def submit_face(self, session_id: str, evidence: FaceEvidence, client_address: str) -> IdentificationResult:
        """The 1:1 face check with liveness bound to the session's nonce."""
        ...

    def submit_attestation(
        self, session_id: str, attestation: DeviceAttestation, client_address: str
    ) -> IdentificationResult:
        """A precinct device's signed assertion that the voter was identified in person."""
        ...

    def issue_credential(self, request: CredentialRequest, client_address: str) -> CredentialIssued:
        """Blind-sign the credential of an identified session, once (a second request is refused)."""
        ...


class PendingBallot(Protocol):
    """A checked ballot waiting for its batch on the board."""

    @property
    def committed(self) -> Future[Any]:
        """Completes when the ballot's batch is committed (its promise, or the board's refusal)."""
        ...


class BallotService(Protocol):
    def begin_cast(
        self, ballot: dict[str, Any], device_id: str | None = None, device_signature: str | None = None
    ) -> Receipt | PendingBallot:
        """Check a ballot and queue it for its batch: a retry's receipt at once, or the pending ballot."""
        ...

    def finish_cast(self, pending: Any) -> Receipt:
        """The receipt of a pending ballot once its batch is committed."""
        ...

    def cast(
        self, ballot: dict[str, Any], device_id: str | None = None, device_signature: str | None = None
    ) -> Receipt:
        """Check and record an encrypted ballot; the same ballot again returns the same receipt. A ballot naming a
        precinct needs the kiosk's ``device_id`` and its ``device_signature`` over the ballot hash."""
        ...

    def challenge(self, ballot: dict[str, Any], reveal: dict[str, Any]) -> Receipt:
        """Publish a challenged ballot with its randomness, marked spoiled (never counted)."""
        ...

    def receipt_status(self, tracking_code: str) -> ReceiptStatus:
        """The board position of a tracking code's ballot and its inclusion proof once a tree head covers it."""
        ...


@dataclass(frozen=True)
class VoterServices:
    """The services the voter router is built from."""

    election: ElectionInfoService
    identification: IdentificationService
    ballots: BallotService

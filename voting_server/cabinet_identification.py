"""The voter cabinet's own identification: the same face check as for voting, in a session that claims nothing.

(docs/cabinet.md, "Identifying by face".) Before election day a voter abroad identifies for the cabinet from her
phone or browser with the face check of the voting path — identity's `IdentificationService.check_face`: a nonce
and random head turns, liveness, the 1:1 match against her registry photo, the 1:N check against every other
registered face, and the same lockout counters (per voter and per address, shared with voting's, so the cabinet is
no second source of guesses). It differs from voting's session in what it leads to:

* it never touches the issuance ledger (no voting slot is claimed, no credential is issued, no eligibility step),
  so she is identified for voting later exactly as if she had never used the cabinet;
* its sealed state has purposes of its own (``cabinet-session`` while waiting for the frames,
  ``cabinet-identified`` once the face matched; `identity.state.SealedSessions` binds the purpose into the AEAD's
  associated data), so a cabinet session can never be taken by the voting API's credential step, nor the reverse;
* once identified, the session holds only the registrar's keyed voter hash and her home ballot style, for
  ``CABINET_IDENTIFIED_SECONDS`` from the match; with it she may apply (`CabinetService.apply_identified`) and see
  her application. Without a matched session neither is possible.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any, Final

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from elections.manifest import Manifest
from identity.registry import VoterRecord
from identity.session import IdentificationService
from identity.state import SealedSessions
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from mobile_api.schemas import FaceEvidence

#: The purposes of the cabinet's sealed session state (never the voting sessions' ``session``/``voter-session``).
FRAMES_PURPOSE: Final = "cabinet-session"
IDENTIFIED_PURPOSE: Final = "cabinet-identified"
#: The channel the cabinet's face checks are audited under (not a voting channel: the issuer refuses it).
CABINET_CHANNEL: Final = "cabinet"
#: How long a matched face lets her apply and look at her application.
CABINET_IDENTIFIED_SECONDS: Final = 900


class _NoBallotStyles:
    """The cabinet's face service resolves no ballot style: `check_face` never asks, and nothing else runs."""

    def ballot_style_for(self, election_id: str, voter: VoterRecord) -> str | None:
        return None


class CabinetIdentification:
    """Face sessions for the cabinet over the registrar's registry, issuer (audit, voter hash) and state store."""

    def __init__(self, registrar: Any) -> None:
        self.registrar = registrar  # voting_server.identification.RegistrarService
        self._faces: IdentificationService | None = None
        self._identified = SealedSessions(
            registrar.store,
            registrar.identity_settings.session_key_bytes,
            IDENTIFIED_PURPOSE,
            CABINET_IDENTIFIED_SECONDS,
        )

    def _face_service(self) -> IdentificationService:
        if self._faces is None:
            registrar = self.registrar
            self._faces = IdentificationService(
                settings=registrar.identity_settings,
                registry=registrar.registry,
                issuer=registrar.issuer,
                election_keys={},  # no issuer key: this service can issue nothing
                ballot_styles=_NoBallotStyles(),
                store=registrar.store,
                purpose=FRAMES_PURPOSE,
                channels=(CABINET_CHANNEL,),
            )
        return self._faces

    def _manifest(self) -> Manifest:
        manifest: Manifest = self.registrar.election.state().require_manifest()
        if manifest.policy.applications_close is None:
            raise ApiError("this election takes no applications to vote away from home", code="applications_closed")
        return manifest

    def start(self, personal_number: str, client_address: str) -> dict[str, Any]:
        manifest = self._manifest()
        started = self._face_service().start(manifest.election_id, personal_number, CABINET_CHANNEL, client_address)
        return {
            "session_id": started.session_id,
            "liveness_nonce": started.challenge.nonce,
            "liveness_turns": [t.value for t in started.challenge.turns],
            "expires_in_seconds": self.registrar.identity_settings.session_ttl_seconds,
        }

    def submit_face(self, session_id: str, evidence: FaceEvidence, client_address: str) -> str:
        """The face check; on a match, a fresh identified session's id (the frames session's id is spent)."""
        from voting_server.identification import ballot_style_for_voter

        manifest = self._manifest()
        try:
            frames = [base64.b64decode(f, validate=True) for f in evidence.frames_base64]
        except ValueError as e:
            raise ApiError("face frames are base64 images", code="malformed") from e
        election_id, _, voter = self._face_service().check_face(
            session_id, evidence.liveness_nonce, frames, client_address
        )
        if election_id != manifest.election_id:
            raise ApiError("this session was opened for another election", code="session_invalid")
        identified = secrets.token_urlsafe(24)
        self._identified.put(
            identified,
            {
                "step": "identified",
                "election_id": election_id,
                "voter_hash": self.registrar.issuer.voter_hash(election_id, voter.personal_number),
                "home_style": ballot_style_for_voter(manifest, voter),
                "until_ms": self.registrar.election.clock() + CABINET_IDENTIFIED_SECONDS * 1000,
            },
        )
        return identified

    def identified(self, session_id: str) -> dict[str, Any]:
        """The identified session's state (``session_invalid`` unless a face matched for it, in time); it stays
        usable until it expires."""
        state = self._identified.take(session_id, "identified")
        if self.registrar.election.clock() > int(state["until_ms"]):
            raise ApiError("this cabinet session has expired: identify again", code="session_invalid")
        self._identified.put(session_id, state)
        if state["election_id"] != self._manifest().election_id:
            raise ApiError("this session was opened for another election", code="session_invalid")
        return state


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CabinetStart(_Wire):
    national_id: str = Field(min_length=1, max_length=64)


class CabinetSession(_Wire):
    """An open cabinet identification session: the liveness nonce and the head turns to perform."""

    session_id: str
    liveness_nonce: str
    liveness_turns: list[str]
    expires_in_seconds: int


class CabinetIdentified(_Wire):
    """The face matched: ``session_id`` now lets her apply and see her application (``application``, if any)."""

    session_id: str
    identified: bool
    expires_in_seconds: int
    application: dict[str, Any] | None


def build_cabinet_identification_router() -> APIRouter:
    router = APIRouter(prefix="/v1/cabinet", tags=["cabinet"])

    def _services(request: Request) -> tuple[CabinetIdentification, Any]:
        cabinet = request.app.state.components.cabinet
        return cabinet.identification, cabinet

    def _address(request: Request) -> str:
        return request.client.host if request.client is not None else "unknown"

    @router.post(
        "/identification",
        response_model=CabinetSession,
        status_code=201,
        responses=error_responses("not_found", "applications_closed", "invalid_personal_number", "locked_out"),
    )
    def start(request: Request, body: CabinetStart) -> dict[str, Any]:
        """Open a cabinet identification session (the voting face check; claims no voting slot)."""
        identification, _ = _services(request)
        return identification.start(body.national_id, _address(request))

    @router.post(
        "/identification/{session_id}/face",
        response_model=CabinetIdentified,
        responses=error_responses(
            "not_found",
            "malformed",
            "session_invalid",
            "nonce_invalid",
            "frame_count",
            "image_invalid",
            "face_too_small",
            "face_blurred",
            "pose_mismatch",
            "flat_sequence",
            "no_face",
            "several_faces",
            "face_quality",
            "face_mismatch",
            "face_matches_another_identity",
            "liveness_failed",
            "spoof_suspected",
            "voter_not_found",
            "registry_unavailable",
            "locked_out",
            "applications_closed",
        ),
    )
    def face(request: Request, session_id: str, evidence: FaceEvidence) -> dict[str, Any]:
        """The frames (straight, then the turns); on a match, the identified session and her application."""
        identification, cabinet = _services(request)
        identified = identification.submit_face(session_id, evidence, _address(request))
        return {
            "session_id": identified,
            "identified": True,
            "expires_in_seconds": CABINET_IDENTIFIED_SECONDS,
            "application": cabinet.application_of(identification.identified(identified)),
        }

    @router.get(
        "/identification/{session_id}/application",
        response_model=dict[str, Any],
        responses=error_responses("not_found", "session_invalid", "unknown_application", "applications_closed"),
    )
    def application(request: Request, session_id: str) -> dict[str, Any]:
        """Her application, for a session whose face matched (``unknown_application`` if she has none)."""
        identification, cabinet = _services(request)
        found: dict[str, Any] | None = cabinet.application_of(identification.identified(session_id))
        if found is None:
            raise ApiError("no application to vote away from home yet", code="unknown_application")
        return found

    return router

"""The voter API (``/v1/...``): thin routes over the injected `VoterServices`.

Routes are synchronous on purpose: the work is CPU-bound proof checking and blocking database calls, which
FastAPI runs in its thread pool; the event loop stays free for other connections.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from mobile_api.openapi import error_responses
from mobile_api.schemas import (
    BallotDefinition,
    CastRequest,
    ChallengeRequest,
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
from mobile_api.services import VoterServices

_BALLOT_CODES = (
    "wrong_phase",
    "invalid_ballot",
    "non_canonical",
    "invalid_point",
    "wrong_ballot_style",
    "credential_invalid",
    "invalid_signature",
    "invalid_proof",
)


def _address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def build_voter_router(services: VoterServices) -> APIRouter:
    """The voter API router over ``services``."""
    router = APIRouter(prefix="/v1", tags=["voter"])

    @router.get("/election", response_model=ElectionPublic, responses=error_responses("not_found"))
    def election() -> ElectionPublic:
        """The election's manifest, joint key, issuer keys (to pin), board key and phase."""
        return services.election.election()

    @router.get(
        "/ballot-styles/{style_id}",
        response_model=BallotDefinition,
        responses=error_responses("not_found", "unknown_id"),
    )
    def ballot_definition(style_id: str, lang: Annotated[Language, Query()] = "ky") -> BallotDefinition:
        """The ballot of a style in Kyrgyz (``ky``, default), Russian (``ru``) or English (``en``)."""
        return services.election.ballot_definition(style_id, lang)

    @router.post(
        "/identification/sessions",
        response_model=IdentificationSession,
        status_code=201,
        responses=error_responses("wrong_phase", "not_eligible", "already_identified"),
    )
    def start_identification(body: IdentificationStart, request: Request) -> IdentificationSession:
        """Open an identification session for a national id number; for a face check, returns the liveness
        nonce and the head turns to perform."""
        return services.identification.start(body, _address(request))

    @router.post(
        "/identification/sessions/{session_id}/face",
        response_model=IdentificationResult,
        responses=error_responses(
            "session_invalid",
            "face_mismatch",
            "face_matches_another_identity",
            "face_review_pending",
            "identity_blocked",
            "no_face",
            "liveness_failed",
            "already_identified",
            "locked_out",
        ),
    )
    def submit_face(session_id: str, evidence: FaceEvidence, request: Request) -> IdentificationResult:
        """Face frames (straight, then the turns) for the 1:1 check against the registry photo, bound to the nonce."""
        return services.identification.submit_face(session_id, evidence, _address(request))

    @router.post(
        "/identification/sessions/{session_id}/attestation",
        response_model=IdentificationResult,
        responses=error_responses("not_found", "identification_failed", "invalid_signature", "already_identified"),
    )
    def submit_attestation(session_id: str, attestation: DeviceAttestation, request: Request) -> IdentificationResult:
        """A precinct identification device's signed assertion instead of the phone's face check."""
        return services.identification.submit_attestation(session_id, attestation, _address(request))

    @router.post(
        "/credentials",
        response_model=CredentialIssued,
        responses=error_responses(
            "not_found",
            "identification_failed",
            "credential_spent",
            "wrong_phase",
            "face_review_pending",
            "identity_blocked",
        ),
    )
    def issue_credential(body: CredentialRequest, request: Request) -> CredentialIssued:
        """Blind-sign the device's credential key (RFC 9474); the registrar never sees the key itself."""
        return services.identification.issue_credential(body, _address(request))

    @router.post(
        "/ballots",
        response_model=Receipt,
        responses=error_responses(*_BALLOT_CODES, "credential_spent", "duplicate_ballot", "precinct_not_bound"),
    )
    async def cast(request: CastRequest) -> Receipt:
        """Cast an encrypted ballot. Sending the same ballot again returns the same receipt. Answered once the
        ballot's batch is on the board (docs/spec/board.md §4.2a); the wait holds no worker thread."""
        step = await run_in_threadpool(
            services.ballots.begin_cast, request.ballot, request.device_id, request.device_signature
        )
        if isinstance(step, Receipt):
            return step
        with contextlib.suppress(Exception):  # a refusal is `finish_cast`'s to report
            await asyncio.wrap_future(step.committed)
        return await run_in_threadpool(services.ballots.finish_cast, step)

    @router.post(
        "/challenges",
        response_model=Receipt,
        responses=error_responses(*_BALLOT_CODES, "challenge_not_allowed", "duplicate_ballot"),
    )
    def challenge(request: ChallengeRequest) -> Receipt:
        """Challenge (spoil) a ballot: it is published with its randomness and never counted."""
        return services.ballots.challenge(request.ballot, request.reveal)

    @router.get("/receipts/{tracking_code}", response_model=ReceiptStatus, responses=error_responses("not_found"))
    def receipt(tracking_code: str) -> ReceiptStatus:
        """Where the ballot of a tracking code is on the board, with its inclusion proof once available."""
        return services.ballots.receipt_status(tracking_code)

    return router

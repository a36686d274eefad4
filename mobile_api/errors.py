"""Errors of the voter API and the HTTP status of every stable error code.

Every error response of every Shailoo API is the JSON object ``{"code": ..., "message": ...}``. The code is
stable (clients branch on it); the message is for a person. Errors raised by lower layers
(`crypto.errors.ShailooError` and its descendants) keep their own code; this table only picks the status.
"""

from __future__ import annotations

from typing import Final

from crypto.errors import ShailooError


class ApiError(ShailooError):
    """An error the API returns as-is: ``code``, ``message`` and the HTTP ``status``."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status if status is not None else status_for(self.code)


class ClientError(ShailooError):
    """Raised by the voter client SDK when the server answers with an error (its code and message kept)."""

    code = "client_error"

    def __init__(self, message: str, *, code: str | None = None, status: int = 0) -> None:
        super().__init__(message, code=code)
        self.status = status


#: code → HTTP status. Anything not listed is a 400 (the request is wrong) — never a 500.
STATUS_BY_CODE: Final[dict[str, int]] = {
    "malformed": 422,
    "non_canonical": 422,
    "invalid_point": 422,
    "invalid_parameters": 422,
    "invalid_proof": 422,
    "invalid_signature": 422,
    "invalid_ballot": 422,
    "invalid_candidates": 422,
    "invalid_complaint": 422,
    "invalid_promise": 422,
    "attachment_too_large": 413,
    "unknown_complaint": 404,
    "already_resolved": 409,
    "applications_closed": 409,
    "already_applied": 409,
    "wrong_channel": 409,
    "invalid_application": 422,
    "unknown_application": 404,
    "wrong_ballot_style": 422,
    "precinct_not_bound": 422,
    "credential_invalid": 403,
    "credential_spent": 409,
    "duplicate_ballot": 409,
    "already_identified": 409,
    "issuance_closed": 409,
    "not_eligible": 403,
    "identification_failed": 403,
    "wrong_phase": 409,
    "outside_voting_window": 409,
    "close_too_early": 409,
    "unauthorized": 401,
    "forbidden": 403,
    "trustee_unauthenticated": 403,
    "not_found": 404,
    "payload_too_large": 413,
    "rate_limited": 429,
    "unavailable": 503,
    "internal": 500,
    # identity
    "image_invalid": 422,
    "no_face": 422,
    "several_faces": 422,
    "face_quality": 422,
    "face_mismatch": 403,
    "face_matches_another_identity": 403,
    "face_review_pending": 409,
    "identity_blocked": 403,
    "liveness_failed": 403,
    "spoof_suspected": 403,
    "nonce_invalid": 403,
    "invalid_personal_number": 422,
    "voter_not_found": 404,
    "registry_unavailable": 503,
    "session_invalid": 404,
    "locked_out": 429,
    # board and trustees
    "entry_not_found": 404,
    "duplicate_entry": 409,
    "invalid_entry": 422,
    "invalid_tree_size": 422,
    "invalid_share": 422,
    "invalid_decryption_share": 422,
    "not_enough_shares": 409,
    "challenge_not_allowed": 409,
    "unknown_id": 404,
    "invalid_register_counts": 422,
    "tally_mismatch": 409,
    "not_supported": 501,
    "slot_taken": 409,
    "too_early": 409,
    "too_late": 409,
    "nothing_to_close": 409,
    "ceremony_failed": 409,
    "decryption_failed": 422,
    "wrong_election": 422,
    "spoil_mismatch": 422,
    "reused_nonce": 422,
    # the coercion-resistant tally's trustee steps (voting_server/cr_tally_api.py)
    "step_closed": 409,
    "already_posted": 409,
    "blinding_key_reused": 422,
    # witnesses
    "unknown_witness": 403,
    "witness_key_conflict": 409,
    "invalid_checkpoint": 422,
}

#: Codes documented on every voter-facing route (in addition to the route's own).
COMMON_CODES: Final = ("malformed", "payload_too_large", "rate_limited", "internal")


def status_for(code: str) -> int:
    """The HTTP status for a stable error code (400 when the code is not in the table)."""
    return STATUS_BY_CODE.get(code, 400)

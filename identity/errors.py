"""Errors raised by Shailoo's identity package (face checks, liveness, registry, issuance, credentials).

Every error derives from `crypto.errors.ShailooError` and carries a stable ``code`` that the voter-facing API
returns as-is. Messages never contain a personal number, a name or image data: they are safe to log.
"""

from __future__ import annotations

from crypto.errors import ShailooError


class IdentityError(ShailooError):
    """Something about an identification is wrong."""

    code = "identity_error"


# --- face images -------------------------------------------------------------------------------------------


class ImageInvalidError(IdentityError):
    """The bytes are not a JPEG or PNG image Shailoo can read."""

    code = "image_invalid"


class NoFaceError(IdentityError):
    """No usable face was found in the image."""

    code = "no_face"


class SeveralFacesError(IdentityError):
    """More than one usable face is in the image; a check needs exactly one person in view."""

    code = "several_faces"


class FaceQualityError(IdentityError):
    """The face is found but unfit for comparison (``face_too_small`` or ``face_blurred``)."""

    code = "face_quality"


class FaceMismatchError(IdentityError):
    """The face does not match the reference template within the tolerance."""

    code = "face_mismatch"


class TemplateInvalidError(IdentityError):
    """Bytes are not a valid face template encoding."""

    code = "template_invalid"


class FaceMatchesAnotherIdentityError(IdentityError):
    """The face matches another registered identity better than the one claimed (1:N check at identification)."""

    code = "face_matches_another_identity"


# --- liveness ----------------------------------------------------------------------------------------------


class LivenessError(IdentityError):
    """The frames do not prove a live person answering this challenge.

    Codes: ``pose_mismatch`` (a frame's head pose is not the challenged one), ``flat_sequence`` (the frames change
    like a moved photograph, not like a turning head), ``frame_count`` (wrong number of frames),
    ``liveness_failed`` (anything else).
    """

    code = "liveness_failed"


class NonceError(IdentityError):
    """The challenge nonce is unknown, expired or already used (``nonce_invalid``)."""

    code = "nonce_invalid"


class SpoofSuspectedError(IdentityError):
    """The operator's passive anti-spoofing model judged a frame to be a presentation attack."""

    code = "spoof_suspected"


# --- registry ----------------------------------------------------------------------------------------------


class PersonalNumberError(IdentityError):
    """A personal number (PIN) is malformed: ``invalid_personal_number`` or ``personal_number_date_mismatch``."""

    code = "invalid_personal_number"


class VoterNotFoundError(IdentityError):
    """The registry holds no voter with this personal number."""

    code = "voter_not_found"


class RegistryUnavailableError(IdentityError):
    """The registry (database or the state data exchange) could not answer."""

    code = "registry_unavailable"


class RecordSealError(IdentityError):
    """A sealed registry record failed authenticated decryption (wrong key, or tampered/moved row)."""

    code = "record_unsealable"


# --- sessions and issuance ---------------------------------------------------------------------------------


class SessionError(IdentityError):
    """The identification session is unknown, expired or in the wrong step."""

    code = "session_invalid"


class LockedOutError(IdentityError):
    """Too many failed attempts for this voter or from this address; try again after the window."""

    code = "locked_out"


class NotEligibleError(IdentityError):
    """The voter is not eligible in this election (no ballot style, or no issuer key for it)."""

    code = "not_eligible"


class AlreadyIdentifiedError(IdentityError):
    """The voter has already been identified in this election, in some channel."""

    code = "already_identified"


class IdentityHeldError(IdentityError):
    """Nothing may be issued for this identity: its face is too close to another registered identity's.

    Codes: ``face_review_pending`` (the pair waits in the review queue for an operator's decision) and
    ``identity_blocked`` (an operator decided this identity is a duplicate of another).
    """

    code = "face_review_pending"


class ReviewError(IdentityError):
    """A face review cannot be decided: ``review_not_found``, ``review_already_decided`` or ``invalid_decision``."""

    code = "review_not_found"


class IssuanceClosedError(IdentityError):
    """The registrar has stopped issuing in this election: voting is closing (`Issuer.stop_issuing`)."""

    code = "issuance_closed"


class CredentialInvalidError(IdentityError):
    """A credential does not verify under the issuer key of its ballot style."""

    code = "credential_invalid"

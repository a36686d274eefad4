"""Wire schemas of the voter API (JSON over HTTPS). Every model refuses unknown fields.

Crypto values travel as lowercase hex of their canonical fixed-width encodings; hashes and signatures are
never computed over this wire JSON but over the canonical bytes defined in `record.ballot`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field

from record.attestation import sign_assertion

_HEX = r"^[0-9a-f]*$"
#: Hex of bytes: an even number of digits, so ``bytes.fromhex`` cannot fail on what the schema let through.
_BYTES_HEX = r"^(?:[0-9a-f]{2})*$"
Language = Literal["ky", "ru", "en"]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- election -----------------------------------------------------------------------------------------------------


class IssuerKeyPublic(_Wire):
    """The registrar's RFC 9474 public key for one ballot style (the client pins it)."""

    style_id: str
    modulus_hex: str = Field(pattern=_HEX)
    public_exponent: int


class ElectionPublic(_Wire):
    """What a device needs before voting: the manifest, the joint key, the issuer keys and the phase."""

    election_id: str
    phase: str
    manifest: dict[str, Any]
    manifest_hash: str = Field(pattern=_HEX)
    election_base_hash: str | None = Field(default=None, pattern=_HEX)
    joint_public_key: str | None = Field(default=None, pattern=_HEX)
    issuer_keys: list[IssuerKeyPublic] = Field(default_factory=list)
    board_public_key: str = Field(pattern=_HEX)
    revoting_allowed: bool
    challenge_allowed: bool


class SelectionText(_Wire):
    selection_id: str
    kind: str
    label: str


class ContestText(_Wire):
    contest_id: str
    kind: str
    title: str
    question: str | None = None
    min_marks: int
    max_marks: int
    selections: list[SelectionText]


class BallotDefinition(_Wire):
    """A ballot style as the voter sees it, in one language."""

    election_id: str
    style_id: str
    language: Language
    contests: list[ContestText]


# -- identification and credential ----------------------------------------------------------------------------------


class IdentificationStart(_Wire):
    """Start identifying: the voter's national id number, the channel, and how: the phone's face check with
    liveness (``face``) or a precinct device's signed assertion (``attestation``)."""

    national_id: str = Field(min_length=1, max_length=64)
    channel: Literal["app", "kiosk"] = "app"
    method: Literal["face", "attestation"] = "attestation"


class IdentificationSession(_Wire):
    """An open identification session. For ``face``: the liveness nonce the frames are bound to and the head turns
    to perform, in order, after one frame looking straight at the camera."""

    session_id: str
    liveness_nonce: str
    liveness_turns: list[str] = Field(default_factory=list)
    expires_in_seconds: int


class FaceEvidence(_Wire):
    """Face frames for the 1:1 check (base64 JPEG/PNG), bound to the session's liveness nonce."""

    frames_base64: list[str] = Field(min_length=1, max_length=8)
    liveness_nonce: str


class DeviceAttestation(_Wire):
    """A precinct identification device's signed assertion that the voter was identified in person."""

    device_id: str
    assertion: dict[str, Any]
    signature: str = Field(pattern=_BYTES_HEX)

    @classmethod
    def sign(cls, device_id: str, key: Ed25519PrivateKey, assertion: Mapping[str, Any]) -> DeviceAttestation:
        """The device side: ``assertion`` signed by the device's key (`record.attestation.sign_assertion`)."""
        return cls(device_id=device_id, assertion=dict(assertion), signature=sign_assertion(key, assertion).hex())


class IdentificationResult(_Wire):
    session_id: str
    identified: bool
    style_id: str


class CredentialRequest(_Wire):
    """The blinded RFC 9474 message of the device's credential public key."""

    session_id: str
    blinded_message: str = Field(pattern=_BYTES_HEX, min_length=2)


class CredentialIssued(_Wire):
    style_id: str
    blind_signature: str = Field(pattern=_HEX)


# -- casting --------------------------------------------------------------------------------------------------------


class CastRequest(_Wire):
    """An encrypted ballot, as defined in `record.ballot` (docs/server.md gives its fields). A ballot naming a
    precinct comes from that precinct's kiosk, which signs its hash (`record.devices.check_precinct_binding`)."""

    ballot: dict[str, Any]
    device_id: str | None = Field(default=None, max_length=128)
    device_signature: str | None = Field(default=None, pattern=_BYTES_HEX)


class ChallengeRequest(_Wire):
    """A ballot the voter chose to challenge, with the randomness that opens it. It is never counted."""

    ballot: dict[str, Any]
    reveal: dict[str, Any]


class Receipt(_Wire):
    """A cast receipt: the tracking code and the board's signed promise (a signed note, docs/board.md) that the
    entry ``entry_hash`` is at ``entry_index`` and will be in every later tree head; ``credential_fingerprint`` is
    the fingerprint of the credential that signed the ballot (`record.ballot.credential_fingerprint`)."""

    election_id: str
    tracking_code: str
    credential_fingerprint: str = Field(pattern=r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")
    ballot_hash: str = Field(pattern=_HEX)
    entry_index: int
    entry_hash: str = Field(pattern=_HEX)
    kind: Literal["ballot", "spoiled_ballot"]
    promise: str


class ReceiptStatus(_Wire):
    """Where a tracking code's ballot is (the public tracking page): on the board since ``appended_at`` (the board's
    promise time, UTC), cast with the credential of fingerprint ``credential_fingerprint``, and its inclusion proof
    once a tree head covers it."""

    tracking_code: str
    ballot_hash: str
    entry_index: int
    kind: str
    entry_hash: str
    credential_fingerprint: str
    appended_at: str
    #: The latest signed tree head (checkpoint note) and the inclusion proof of the entry in it, once it covers it.
    tree_head: str | None = None
    inclusion_proof: dict[str, Any] | None = None

"""A precinct device's identification attestation: the one message a terminal signs to say "this voter was
identified here, in person" (docs/spec/record.md, "Identification attestation").

The assertion is a JSON object ``{election_id, session_id, personal_number, channel: "kiosk", method, device_id,
identified_at}``; the device signs

    tagged_message("precinct/identification", canonical_json(assertion))

with the Ed25519 key registered for it on the board (`crypto.signing`). The registrar checks the signature with
`check_assertion` before it issues anything. The assertion goes to the registrar only: it holds a personal number
and never reaches the board or the ballot box.

Producer and checker side by side: `identification_assertion` + `sign_assertion` / `check_assertion`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signing
from crypto.canonical import canonical_json
from crypto.errors import CryptoError
from record.errors import RecordError

ATTESTATION_TAG: Final = "precinct/identification"


class AttestationError(RecordError):
    """An identification attestation does not verify under the device key the board registers."""

    code = "invalid_signature"


def identification_assertion(
    *, election_id: str, session_id: str, personal_number: str, device_id: str, method: str, at: int
) -> dict[str, Any]:
    """The assertion a precinct identification device signs for one voter (``at``: Unix time in seconds)."""
    return {
        "election_id": election_id,
        "session_id": session_id,
        "personal_number": personal_number,
        "channel": "kiosk",
        "method": method,
        "device_id": device_id,
        "identified_at": at,
    }


def sign_assertion(key: Ed25519PrivateKey, assertion: Mapping[str, Any]) -> bytes:
    """The device's 64-byte signature of ``assertion``."""
    return signing.sign(key, ATTESTATION_TAG, canonical_json(dict(assertion)))


def check_assertion(device_key: bytes, assertion: Mapping[str, Any], signature: bytes) -> None:
    """Raise `AttestationError` unless ``device_key`` signed ``assertion``."""
    try:
        signing.verify(device_key, ATTESTATION_TAG, canonical_json(dict(assertion)), signature)
    except CryptoError as e:
        raise AttestationError(f"the device's assertion signature does not verify: {e.message}") from e

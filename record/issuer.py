"""The registrar's ``issuer_keys`` entry: one RFC 9474 blind-RSA public key per ballot style (docs/spec/record.md
§2.3). Producer and checker side by side: `issuer_keys_payload` / `issuer_keys_from_payload`; the server, the
voter's device and the observers' verifier (check 14) all read the entry through the latter.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, Final

from crypto import blind_rsa
from crypto.blind_rsa import BlindRsaPublicKey
from crypto.strict_json import Field, MalformedFieldError
from record.errors import RecordError

VARIANT: Final = blind_rsa.DEFAULT_VARIANT
#: An issuer key's DER is a few hundred bytes; 8192-bit keys stay far below this.
_MAX_DER_BYTES: Final = 4096


class IssuerKeysError(RecordError):
    """An ``issuer_keys`` entry is malformed or inconsistent (a fingerprint that is not its key's, a style twice)."""

    code = "credential_invalid"


def issuer_keys_payload(election_id: str, public_keys: Mapping[str, BlindRsaPublicKey]) -> dict[str, Any]:
    """The board's ``issuer_keys`` entry payload: per ballot style (sorted by id), the DER public key and its
    fingerprint, both hex."""
    return {
        "election_id": election_id,
        "variant": VARIANT.value,
        "keys": [
            {
                "ballot_style_id": style,
                "public_key": public_keys[style].to_bytes().hex(),
                "fingerprint": public_keys[style].fingerprint().hex(),
            }
            for style in sorted(public_keys)
        ],
    }


def issuer_keys_from_payload(
    payload: Mapping[str, Any], *, min_bits: int = blind_rsa.ELECTION_MIN_MODULUS_BITS
) -> dict[str, BlindRsaPublicKey]:
    """Decode an ``issuer_keys`` payload strictly: every key canonical DER of at least ``min_bits``, its fingerprint
    recomputed, each ballot style once. Raises `IssuerKeysError` (or the crypto error of a bad key)."""
    keys: dict[str, BlindRsaPublicKey] = {}
    try:
        obj = Field(payload).as_object({"election_id", "variant", "keys"})
        obj["election_id"].text()
        obj["variant"].literal(VARIANT.value)
        for item in obj["keys"].items(min_len=1):
            fields = item.as_object({"ballot_style_id", "public_key", "fingerprint"})
            style = fields["ballot_style_id"].text()
            der = fields["public_key"].hex(max_len=_MAX_DER_BYTES)
            key = fields["public_key"].decode(partial(BlindRsaPublicKey.from_bytes, min_bits=min_bits), der)
            if key.fingerprint() != fields["fingerprint"].hex(32):
                raise fields["fingerprint"].fail("is not the fingerprint of the key beside it", "credential_invalid")
            if style in keys:
                raise fields["ballot_style_id"].fail(
                    f"ballot style {style!r} has two issuer keys", "credential_invalid"
                )
            keys[style] = key
    except MalformedFieldError as e:
        raise IssuerKeysError(e.message, code=e.code) from e
    return keys

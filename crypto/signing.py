"""Ed25519 in one place: strict public-key decoding, domain-tagged signing, and verification that raises.

Every Ed25519 signature Shailoo makes — a credential key on its ballot, a trustee on its posts, a device on its
batches, protocols and identification attestations — is over

    tagged_message(tag, body) = lp("SHAILOO-V1/" || tag) || body

so a signature made for one purpose never verifies for another (docs/spec/crypto.md, "Ed25519 signatures").
The board's signed notes (tree heads, promises, cosignatures) have their own text format with the log's origin
line (docs/spec/board.md §4); they go through `verify_signature`, the one place that asks the library to verify.

Public keys are decoded strictly (`decode_public_key`): 32 bytes, the canonical encoding of y (y < p), and not
one of the eight points of small order. A small-order key is refused because, with it, a signature
(R = neutral, S = 0) verifies for every message under some verifiers: whoever registers such a key as a credential
or device key could "sign" anything in its name.
"""

from __future__ import annotations

from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto.errors import InvalidPointError, InvalidSignatureError, NonCanonicalError
from crypto.hashing import domain_tag, length_prefixed

PUBLIC_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64
#: 2^255 - 19, the field of Curve25519.
_P: Final = 2**255 - 19
#: The canonical encodings of the eight points of order dividing 8 (RFC 8032 encoding: y little-endian, the sign
#: of x in the top bit). tests/crypto/test_signing.py recomputes this list from the curve equation.
SMALL_ORDER_ENCODINGS: Final = frozenset(
    bytes.fromhex(h)
    for h in (
        "0100000000000000000000000000000000000000000000000000000000000000",  # the neutral point (0, 1)
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # (0, -1), order 2
        "0000000000000000000000000000000000000000000000000000000000000000",  # (sqrt(-1), 0), order 4
        "0000000000000000000000000000000000000000000000000000000000000080",  # (-sqrt(-1), 0), order 4
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    )
)


def decode_public_key(raw: bytes) -> Ed25519PublicKey:
    """A 32-byte Ed25519 public key, strictly: `NonCanonicalError` for a wrong length or y ≥ p (or x = 0 with the
    sign bit set), `InvalidPointError` for a point of small order or a y that is not on the curve."""
    if not isinstance(raw, bytes) or len(raw) != PUBLIC_KEY_BYTES:
        raise NonCanonicalError(f"an Ed25519 public key is {PUBLIC_KEY_BYTES} bytes")
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= _P:
        raise NonCanonicalError("an Ed25519 public key's y is not reduced modulo p (non-canonical encoding)")
    sign = raw[31] >> 7
    if sign and y in (1, _P - 1):
        raise NonCanonicalError("an Ed25519 public key with x = 0 and the sign bit set (non-canonical encoding)")
    if raw in SMALL_ORDER_ENCODINGS:
        raise InvalidPointError("an Ed25519 public key of small order signs for everybody: refused")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as e:
        raise InvalidPointError("not an Ed25519 public key (no point has this y)") from e


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The raw 32-byte encoding of a public key (of a private key's public key)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def tagged_message(tag: str, body: bytes) -> bytes:
    """``lp("SHAILOO-V1/" || tag) || body``: the bytes every Shailoo Ed25519 signature is made over."""
    return length_prefixed(domain_tag(tag)) + body


def sign(key: Ed25519PrivateKey, tag: str, body: bytes) -> bytes:
    """The 64-byte Ed25519 signature of `tagged_message` (tag, body)."""
    return key.sign(tagged_message(tag, body))


def verify(public_key: bytes | Ed25519PublicKey, tag: str, body: bytes, signature: bytes) -> None:
    """Raise `InvalidSignatureError` unless ``signature`` is ``public_key``'s over `tagged_message` (tag, body);
    a raw key is decoded strictly first (`decode_public_key`, whose errors pass through)."""
    verify_signature(public_key, tagged_message(tag, body), signature)


def verify_signature(public_key: bytes | Ed25519PublicKey, message: bytes, signature: bytes) -> None:
    """Raise `InvalidSignatureError` unless ``signature`` is ``public_key``'s Ed25519 signature over ``message``."""
    key = decode_public_key(public_key) if isinstance(public_key, bytes) else public_key
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
        raise InvalidSignatureError(f"an Ed25519 signature is {SIGNATURE_BYTES} bytes")
    try:
        key.verify(signature, message)
    except InvalidSignature as e:
        raise InvalidSignatureError("the Ed25519 signature does not verify under this key") from e

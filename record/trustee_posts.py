"""Signatures on the trustees' posts: who may speak in trustee j's name (docs/spec/record.md, "Trustee signatures").

The manifest's roster (`elections.manifest.TrusteeRosterEntry`) gives each trustee j an Ed25519 identity key.
Every ``trustee_commitment``, ``trustee_share``, ``complaint`` and ``decryption_share`` payload carries
``"signature"``: that key's Ed25519 signature over

    hash_fields("trustee/post", manifest_hash, kind (UTF-8), u32(j), canonical_json(payload without "signature"))

so a post binds the election (the manifest hash, which also fixes the roster), its kind and its trustee; a post
replayed from another election, retitled to another kind or moved to another trustee's slot no longer verifies.
The joint key needs no signature: anyone can recompute it from the commitments.

Producer and checker side by side: `sign_trustee_post` / `check_trustee_post`. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto.canonical import canonical_json
from crypto.hashing import hash_fields
from crypto.share_encryption import u32
from elections.errors import TrusteeUnauthenticatedError, UnknownIdError
from elections.manifest import Manifest

TRUSTEE_POST_TAG: Final = "trustee/post"
SIGNATURE_FIELD: Final = "signature"
#: Board kinds a trustee posts in its own name, with the payload field naming the trustee.
SIGNED_KINDS: Final = {
    "trustee_commitment": ("commitment", "index"),
    "trustee_share": ("sender",),
    "complaint": ("complainer",),
    "decryption_share": ("trustee",),
}


def identity_public_hex(key: Ed25519PrivateKey) -> str:
    """The roster form of an identity key: the raw 32-byte Ed25519 public key as lowercase hex."""
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def post_trustee(kind: str, payload: Mapping[str, Any]) -> int:
    """The trustee index a post of ``kind`` speaks for (`TrusteeUnauthenticatedError` if it names none)."""
    path = SIGNED_KINDS.get(kind)
    if path is None:
        raise TrusteeUnauthenticatedError(f"{kind} is not a trustee's signed post")
    value: Any = payload
    try:
        for name in path:
            value = value[name]
    except (KeyError, TypeError) as e:
        raise TrusteeUnauthenticatedError(f"the {kind} post names no trustee") from e
    if isinstance(value, bool) or not isinstance(value, int):
        raise TrusteeUnauthenticatedError(f"the {kind} post's trustee is not an integer")
    return value


def signing_message(manifest_hash: bytes, kind: str, trustee: int, payload: Mapping[str, Any]) -> bytes:
    """The 32 bytes a trustee signs (module docstring): the payload is taken without its ``signature``."""
    unsigned = {name: value for name, value in payload.items() if name != SIGNATURE_FIELD}
    return hash_fields(TRUSTEE_POST_TAG, manifest_hash, kind.encode(), u32(trustee), canonical_json(unsigned))


def sign_trustee_post(
    key: Ed25519PrivateKey, manifest_hash: bytes, kind: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """``payload`` with ``"signature"``: the identity key's signature of `signing_message`."""
    message = signing_message(manifest_hash, kind, post_trustee(kind, payload), payload)
    return {**{n: v for n, v in payload.items() if n != SIGNATURE_FIELD}, SIGNATURE_FIELD: key.sign(message).hex()}


def check_trustee_post(
    manifest: Manifest, kind: str, payload: Mapping[str, Any], *, manifest_hash: bytes | None = None
) -> int:
    """Raise `TrusteeUnauthenticatedError` unless ``payload`` is signed by the roster key of the trustee it names;
    returns that trustee's index. The manifest must have a roster (a manifest without one authenticates nobody).
    ``manifest_hash`` may be passed when the caller already has ``manifest.manifest_hash()``."""
    if not manifest.trustees:
        raise TrusteeUnauthenticatedError("the manifest has no trustee roster: no trustee post can be authenticated")
    trustee = post_trustee(kind, payload)
    try:
        entry = manifest.roster_entry(trustee)
    except UnknownIdError as e:
        raise TrusteeUnauthenticatedError(f"trustee {trustee} is not on the manifest's roster") from e
    signature = payload.get(SIGNATURE_FIELD)
    if not isinstance(signature, str) or len(signature) != 128:
        raise TrusteeUnauthenticatedError(f"the {kind} post of trustee {trustee} is not signed")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(entry.public_key)).verify(
            bytes.fromhex(signature),
            signing_message(manifest_hash or manifest.manifest_hash(), kind, trustee, payload),
        )
    except (InvalidSignature, ValueError) as e:
        raise TrusteeUnauthenticatedError(
            f"the {kind} post in trustee {trustee}'s name is not signed by the identity key the roster gives"
        ) from e
    return trustee

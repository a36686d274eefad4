"""Signatures on the trustees' posts: who may speak in trustee j's name (docs/spec/record.md, "Trustee signatures").

The manifest's roster (`elections.manifest.TrusteeRosterEntry`) gives each trustee j an Ed25519 identity key.
Every ``trustee_commitment``, ``trustee_share``, ``complaint``, ``decryption_share`` and ``shuffle`` payload carries
``"signature"``: that key's Ed25519 signature over

    tagged_message("trustee/post", lp(manifest_hash) || lp(kind, UTF-8) || lp(u32(j))
                                   || lp(canonical_json(payload without "signature")))

(`crypto.signing.tagged_message`: the length-prefixed domain tag, then the body)

so a post binds the election (the manifest hash, which also fixes the roster), its kind and its trustee; a post
replayed from another election, retitled to another kind or moved to another trustee's slot no longer verifies.
The joint key needs no signature: anyone can recompute it from the commitments.

Producer and checker side by side: `sign_trustee_post` / `check_trustee_post`. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto import signing
from crypto.canonical import canonical_json
from crypto.errors import CryptoError
from crypto.hashing import length_prefixed
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
    "shuffle": ("trustee",),
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


def signing_body(manifest_hash: bytes, kind: str, trustee: int, payload: Mapping[str, Any]) -> bytes:
    """The body a trustee signs under the tag ``trustee/post`` (module docstring); the payload is taken without
    its ``signature``."""
    unsigned = {name: value for name, value in payload.items() if name != SIGNATURE_FIELD}
    fields = (manifest_hash, kind.encode(), u32(trustee), canonical_json(unsigned))
    return b"".join(length_prefixed(f) for f in fields)


def sign_trustee_post(
    key: Ed25519PrivateKey, manifest_hash: bytes, kind: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """``payload`` with ``"signature"``: the identity key's signature of `signing_body` under ``trustee/post``."""
    body = signing_body(manifest_hash, kind, post_trustee(kind, payload), payload)
    signature = signing.sign(key, TRUSTEE_POST_TAG, body)
    return {**{n: v for n, v in payload.items() if n != SIGNATURE_FIELD}, SIGNATURE_FIELD: signature.hex()}


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
        signing.verify(
            bytes.fromhex(entry.public_key),
            TRUSTEE_POST_TAG,
            signing_body(manifest_hash or manifest.manifest_hash(), kind, trustee, payload),
            bytes.fromhex(signature),
        )
    except (CryptoError, ValueError) as e:
        raise TrusteeUnauthenticatedError(
            f"the {kind} post in trustee {trustee}'s name is not signed by the identity key the roster gives"
        ) from e
    return trustee

"""A trustee's identity key and the authentication of trustee posts (docs/trustees.md, "Trustee identity").

Each keystore holds an Ed25519 identity key, made by ``shailoo trustee init``; the commission writes its public
half into the manifest's trustee roster. Every post a trustee makes in its own name is signed with it
(`record.trustee_posts`), and the coordinator — the server, the in-process board transport, the air-gapped
import — refuses (``trustee_unauthenticated``) a post that is unsigned or signed by another key, before anything
is written. Without a roster nobody can be authenticated: posts are then taken only where the caller allows it
(a server in development mode), never by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from bulletin_board.entries import Entry, EntryKind
from elections.errors import ManifestError, TrusteeUnauthenticatedError
from elections.manifest import Manifest
from record.ceremony import Post
from record.trustee_posts import SIGNED_KINDS, check_trustee_post, identity_public_hex, sign_trustee_post
from trustees.errors import CeremonyError

IDENTITY_KEY_BYTES: Final = 32
#: Parsed manifests by board payload hash, with their manifest hash (parsing and hashing the 2021 parliamentary
#: manifest costs ~50 ms, and the coordinator needs it for every post).
_MANIFESTS: dict[bytes, tuple[Manifest, bytes]] = {}


def new_identity_key() -> bytes:
    """A fresh Ed25519 identity key (the raw 32-byte private key kept in the keystore)."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def identity_public_key(identity_key: bytes) -> str:
    """The roster form (64 hex characters) of the identity key ``identity_key``."""
    return identity_public_hex(Ed25519PrivateKey.from_private_bytes(identity_key))


def board_manifest(entries: Sequence[Entry]) -> Manifest:
    """The manifest of the board's (first) ``manifest`` entry; parsed once per payload."""
    for entry in entries:
        if entry.kind is EntryKind.MANIFEST:
            cached = _MANIFESTS.get(entry.payload_hash)
            if cached is None:
                try:
                    manifest = Manifest.from_dict(entry.payload["manifest"])
                except (KeyError, TypeError, ManifestError) as e:
                    raise CeremonyError(f"the board's manifest entry does not parse: {e}") from e
                if len(_MANIFESTS) > 16:
                    _MANIFESTS.clear()
                cached = _MANIFESTS[entry.payload_hash] = (manifest, manifest.manifest_hash())
            return cached[0]
    raise CeremonyError("the board has no manifest yet")


def manifest_hash_of(manifest: Manifest) -> bytes:
    """``manifest.manifest_hash()``, taken from the cache when ``manifest`` came from `board_manifest`."""
    for cached, digest in _MANIFESTS.values():
        if cached is manifest:
            return digest
    return manifest.manifest_hash()


def sign_post(identity_key: bytes | None, manifest: Manifest, post: Post) -> Post:
    """``post`` signed by ``identity_key`` for the election ``manifest`` (unchanged if the keystore has no key)."""
    if identity_key is None or post.kind.value not in SIGNED_KINDS:
        return post
    key = Ed25519PrivateKey.from_private_bytes(identity_key)
    return Post(
        post.kind, sign_trustee_post(key, manifest.manifest_hash(), post.kind.value, post.payload), post.dedup_key
    )


def check_roster(manifest: Manifest, index: int, n: int, k: int, identity_key: bytes | None) -> None:
    """Refuse to act as trustee ``index`` of an (n, k) ceremony unless the roster (if any) says so for this key."""
    if not manifest.trustees:
        return
    check_ceremony_size(manifest, n, k)
    if identity_key is None or manifest.roster_entry(index).public_key != identity_public_key(identity_key):
        raise TrusteeUnauthenticatedError(
            f"this keystore's identity key is not the one the manifest's roster gives trustee {index}"
        )


def authenticate_post(manifest: Manifest, post: Post, *, allow_unauthenticated: bool) -> None:
    """The coordinator's check of who sent ``post`` (module docstring); raises `TrusteeUnauthenticatedError`."""
    if post.kind.value not in SIGNED_KINDS:
        return
    if manifest.trustees:
        check_trustee_post(manifest, post.kind.value, post.payload, manifest_hash=manifest_hash_of(manifest))
    elif not allow_unauthenticated:
        raise TrusteeUnauthenticatedError(
            "the manifest has no trustee roster, so trustee posts cannot be authenticated; they are accepted only "
            "by a server in development mode"
        )


def check_ceremony_size(manifest: Manifest, n: int, k: int) -> None:
    """With a roster, the ceremony's n and k are the roster's."""
    if manifest.trustees and (n, k) != (len(manifest.trustees), manifest.trustee_threshold):
        raise CeremonyError(
            f"the ceremony is {k}-of-{n} but the manifest's roster is {manifest.trustee_threshold}-of-"
            f"{len(manifest.trustees)}",
            code="wrong_ceremony",
        )

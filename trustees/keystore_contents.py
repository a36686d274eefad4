"""What a trustee's keystore holds (`TrusteeSecrets`, a JSON object once sealed) and where it is kept.

`SecretsStore` is the interface: a `trustees.keystore.Keystore` on a trustee's laptop, or `MemoryStore` for the
in-process demo and tests. The key ceremony (`trustees.ceremony_steps`) and the decryption
(`trustees.decryption`) read and update these secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from crypto.threshold import TrusteeKeyShare, TrusteeSecretState
from record.ceremony import Post
from trustees.errors import CeremonyError
from trustees.identity import IDENTITY_KEY_BYTES, identity_public_key

SECRETS_VERSION = 1


@dataclass
class TrusteeSecrets:
    """The contents of a trustee's keystore (a JSON object once sealed).

    ``context`` is pinned at the first step (the election and ceremony the keystore belongs to); ``outbox`` maps
    dedup keys to the posts this trustee has produced, so they are re-sent identically, never recomputed.
    """

    index: int
    n: int
    k: int
    attempt: int = 1
    context: bytes | None = None
    dkg_state: TrusteeSecretState | None = None
    outbox: dict[str, Post] = field(default_factory=dict)
    key_share: TrusteeKeyShare | None = None
    #: The raw Ed25519 identity key whose public half is on the manifest's roster (`trustees.identity`).
    identity_key: bytes | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SECRETS_VERSION,
            "index": self.index,
            "n": self.n,
            "k": self.k,
            "attempt": self.attempt,
            "context": None if self.context is None else self.context.hex(),
            "dkg_state": None if self.dkg_state is None else self.dkg_state.to_dict(),
            "outbox": {key: post.to_dict() for key, post in self.outbox.items()},
            "key_share": None if self.key_share is None else self.key_share.to_dict(),
            "identity_key": None if self.identity_key is None else self.identity_key.hex(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrusteeSecrets:
        if data.get("version") != SECRETS_VERSION:
            raise CeremonyError(f"keystore contents version {data.get('version')!r} is not supported")
        try:
            return cls(
                index=int(data["index"]),
                n=int(data["n"]),
                k=int(data["k"]),
                attempt=int(data["attempt"]),
                context=None if data["context"] is None else bytes.fromhex(data["context"]),
                dkg_state=None if data["dkg_state"] is None else TrusteeSecretState.from_dict(data["dkg_state"]),
                outbox={key: Post.from_dict(post) for key, post in data["outbox"].items()},
                key_share=None if data["key_share"] is None else TrusteeKeyShare.from_dict(data["key_share"]),
                identity_key=_identity_key(data.get("identity_key")),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise CeremonyError(f"the keystore contents are not a trustee's secrets: {e!r}") from e

    def label(self) -> dict[str, Any]:
        """The public label of this trustee's keystore (with the identity public key for the roster)."""
        label: dict[str, Any] = {"role": "trustee", "trustee": self.index, "n": self.n, "k": self.k}
        if self.identity_key is not None:
            label["identity_public_key"] = identity_public_key(self.identity_key)
        return label

    @property
    def identity_public_key(self) -> str | None:
        """The identity public key (64 hex characters) the commission puts on the roster."""
        return None if self.identity_key is None else identity_public_key(self.identity_key)


def _identity_key(value: object) -> bytes | None:
    if value is None:  # a keystore made before trustees had identity keys
        return None
    key = bytes.fromhex(str(value))
    if len(key) != IDENTITY_KEY_BYTES:
        raise ValueError("the identity key is 32 bytes")
    return key


class SecretsStore(Protocol):
    """Where a trustee's secrets live: a `trustees.keystore.Keystore`, or `MemoryStore` for the demo and tests."""

    @property
    def secrets(self) -> dict[str, Any]: ...

    def save(self, secrets_: dict[str, Any]) -> None: ...


class MemoryStore:
    """Secrets kept in memory (the in-process demo, where no trustee laptop exists)."""

    def __init__(self, secrets_: dict[str, Any]) -> None:
        self._secrets = secrets_

    @property
    def secrets(self) -> dict[str, Any]:
        return dict(self._secrets)

    def save(self, secrets_: dict[str, Any]) -> None:
        self._secrets = dict(secrets_)

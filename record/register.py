"""The registrar's ``register_counts`` entry: per ballot style, how many voters the register holds (docs/spec/record.md
§2.3a). Posted before voting opens, signed by the registrar; turnout, the eligibility bound of check 44 and a
referendum's validity are measured against it, never against figures the operator types in.

Payload::

    {"election_id", "counts": {style_id: int, …} (every ballot style of the manifest, sorted),
     "registrar_key": hex(32), "signature": hex(64)}

``signature`` is the Ed25519 signature by ``registrar_key`` (`crypto.signing`, tag ``registrar/register_counts``)
over ``lp(manifest_hash) ‖ lp(JCS(payload without "signature"))``. The manifest may pin the key
(``Manifest.registrar_key``); then the entry's key must be that one. The server's key is derived from the
registrar's voter-hash key (`identity.settings.IdentitySettings.registrar_signing_key`).

Producer beside checker: `sign_register_counts` / `RegisterCounts.from_payload` and `RegisterCounts.check`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signing
from crypto.canonical import canonical_json
from crypto.errors import CryptoError
from crypto.hashing import length_prefixed
from crypto.strict_json import Field, MalformedFieldError
from elections.manifest import Manifest
from record.errors import RecordError

REGISTER_COUNTS_TAG: Final = "registrar/register_counts"
#: More voters than any register holds; keeps every count an exact JSON integer.
_MAX_COUNT: Final = 10**9


class RegisterCountsError(RecordError):
    """A ``register_counts`` entry is malformed, names unknown or missing ballot styles, or is not the registrar's."""

    code = "invalid_register_counts"


def signing_body(manifest_hash: bytes, unsigned: Mapping[str, Any]) -> bytes:
    """What the registrar signs under ``registrar/register_counts``: ``lp(manifest_hash) ‖ lp(JCS(unsigned))``."""
    return length_prefixed(manifest_hash) + length_prefixed(canonical_json(dict(unsigned)))


@dataclass(frozen=True)
class RegisterCounts:
    """The registrar's signed register counts (module docstring)."""

    election_id: str
    counts: Mapping[str, int]
    registrar_key: bytes
    signature: bytes

    def unsigned_payload(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "counts": {style: self.counts[style] for style in sorted(self.counts)},
            "registrar_key": self.registrar_key.hex(),
        }

    def to_payload(self) -> dict[str, Any]:
        return {**self.unsigned_payload(), "signature": self.signature.hex()}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> RegisterCounts:
        """Read strictly (exact keys, integer counts, 32-byte key, 64-byte signature); the signature is checked by
        `check`, which needs the manifest."""
        try:
            obj = Field(payload, "$(register_counts)").as_object(
                {"election_id", "counts", "registrar_key", "signature"}
            )
            counts = {style: n.integer(maximum=_MAX_COUNT) for style, n in obj["counts"].entries()}
            if list(counts) != sorted(counts):
                raise obj["counts"].fail("ballot styles must be sorted by id")
            return cls(
                obj["election_id"].text(),
                counts,
                obj["registrar_key"].hex(signing.PUBLIC_KEY_BYTES),
                obj["signature"].hex(signing.SIGNATURE_BYTES),
            )
        except MalformedFieldError as e:
            raise RegisterCountsError(e.message, code=e.code) from e

    def check(self, manifest: Manifest, *, manifest_hash: bytes | None = None) -> None:
        """Raise `RegisterCountsError` unless these are the counts of ``manifest``'s election, for exactly its ballot
        styles, signed by ``registrar_key`` — the manifest's pinned key when it has one."""
        if self.election_id != manifest.election_id:
            raise RegisterCountsError(f"register counts of election {self.election_id!r}, not {manifest.election_id!r}")
        styles = {s.style_id for s in manifest.ballot_styles}
        unknown, missing = set(self.counts) - styles, styles - set(self.counts)
        if unknown or missing:
            raise RegisterCountsError(
                f"register counts must name every ballot style once: unknown {sorted(unknown)}, missing "
                f"{sorted(missing)}",
                code="unknown_id",
            )
        if manifest.registrar_key is not None and manifest.registrar_key != self.registrar_key.hex():
            raise RegisterCountsError("the register counts are signed by another key than the manifest's registrar")
        body = signing_body(manifest_hash or manifest.manifest_hash(), self.unsigned_payload())
        try:
            signing.verify(self.registrar_key, REGISTER_COUNTS_TAG, body, self.signature)
        except CryptoError as e:
            raise RegisterCountsError(f"the register counts' signature: {e.message}", code=e.code) from e

    def by_region(self, manifest: Manifest) -> dict[str, int]:
        """Registered voters per region (the sum over the region's ballot styles), every region with a style."""
        regions: dict[str, int] = {}
        for style in manifest.ballot_styles:
            regions[style.region_id] = regions.get(style.region_id, 0) + self.counts.get(style.style_id, 0)
        return dict(sorted(regions.items()))


def sign_register_counts(key: Ed25519PrivateKey, manifest: Manifest, counts: Mapping[str, int]) -> RegisterCounts:
    """The registrar's signed entry for ``counts`` (every ballot style of ``manifest``; unknown or missing styles are
    refused with ``unknown_id`` by `RegisterCounts.check`, which is run here)."""
    unsigned = RegisterCounts(manifest.election_id, dict(counts), signing.public_key_bytes(key), b"")
    body = signing_body(manifest.manifest_hash(), unsigned.unsigned_payload())
    signed = RegisterCounts(
        unsigned.election_id,
        {s: unsigned.counts[s] for s in sorted(unsigned.counts)},
        unsigned.registrar_key,
        signing.sign(key, REGISTER_COUNTS_TAG, body),
    )
    signed.check(manifest)
    return signed

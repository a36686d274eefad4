"""The commission's ``precinct_annulment`` entry (docs/spec/record.md §2.17): a precinct's ballots are annulled and
count nowhere — neither in their ballot style's sums nor in a precinct subtotal.

Payload::

    {"election_id", "precinct_id", "reason": str (1–1000), "legal_basis": str (1–1000),
     "commission_key": hex(32), "signature": hex(64)}

``signature`` is the Ed25519 signature by ``commission_key`` (`crypto.signing`, tag ``commission/precinct_annulment``)
over ``lp(manifest_hash) ‖ lp(JCS(payload without "signature"))``. The commission signs with the key the manifest
pins as ``commission_key`` — the commission's own key, held by the commission (``shailoo admin commission-key``),
not by the server, so a server that is broken into cannot annul a precinct; an annulment signed by any other key,
the registrar's server key included, is refused. A manifest without a ``commission_key`` pins the annulment's key
as ``registrar_key`` (the server's key, which also signs the register counts), as before that field existed; when
the manifest pins neither, any key is accepted and the verifier says the key is not pinned.

Allowed only in phase ``closed``, before the ``encrypted_tally`` (the phase machine refuses it later): the tally is
posted and decrypted once, so no annulment can make anyone decrypt a second tally whose difference from the first
would be the annulled precinct's small cell. At most one annulment per precinct.

Producer beside checker: `sign_precinct_annulment` / `PrecinctAnnulment.from_payload` and `PrecinctAnnulment.check`;
`annulled_precincts` collects them from a board's entries; `record.tally.CountedSet` leaves their items out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import Entry, EntryKind
from crypto import signing
from crypto.canonical import canonical_json
from crypto.errors import CryptoError
from crypto.hashing import length_prefixed
from crypto.strict_json import Field, MalformedFieldError
from elections.manifest import Manifest
from record.errors import RecordError

PRECINCT_ANNULMENT_TAG: Final = "commission/precinct_annulment"
MAX_TEXT: Final = 1000


class AnnulmentError(RecordError):
    """A ``precinct_annulment`` entry is malformed, names an unknown precinct or is not the commission's."""

    code = "invalid_annulment"


def signing_body(manifest_hash: bytes, unsigned: Mapping[str, Any]) -> bytes:
    """What the commission signs: ``lp(manifest_hash) ‖ lp(JCS(unsigned))``."""
    return length_prefixed(manifest_hash) + length_prefixed(canonical_json(dict(unsigned)))


def _text(field: Field, what: str) -> str:
    value = field.text()
    if not 1 <= len(value) <= MAX_TEXT or not value.strip():
        raise field.fail(f"the {what} is 1–{MAX_TEXT} characters, not blank")
    return value


@dataclass(frozen=True)
class PrecinctAnnulment:
    """The commission's signed annulment of one precinct (module docstring)."""

    election_id: str
    precinct_id: str
    reason: str
    legal_basis: str
    commission_key: bytes
    signature: bytes

    def unsigned_payload(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "precinct_id": self.precinct_id,
            "reason": self.reason,
            "legal_basis": self.legal_basis,
            "commission_key": self.commission_key.hex(),
        }

    def to_payload(self) -> dict[str, Any]:
        return {**self.unsigned_payload(), "signature": self.signature.hex()}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> PrecinctAnnulment:
        """Read strictly (exact keys, texts of 1–1000 characters, 32-byte key, 64-byte signature); the signature is
        checked by `check`, which needs the manifest."""
        try:
            obj = Field(payload, "$(precinct_annulment)").as_object(
                {"election_id", "precinct_id", "reason", "legal_basis", "commission_key", "signature"}
            )
            return cls(
                obj["election_id"].text(),
                obj["precinct_id"].text(),
                _text(obj["reason"], "reason"),
                _text(obj["legal_basis"], "legal basis"),
                obj["commission_key"].hex(signing.PUBLIC_KEY_BYTES),
                obj["signature"].hex(signing.SIGNATURE_BYTES),
            )
        except MalformedFieldError as e:
            raise AnnulmentError(e.message, code=e.code) from e

    def check(self, manifest: Manifest, *, manifest_hash: bytes | None = None) -> None:
        """Raise `AnnulmentError` unless this annuls a precinct of ``manifest``'s election and is signed by
        ``commission_key`` — the manifest's pinned ``commission_key``, else its ``registrar_key``
        (`Manifest.annulment_key`), when it pins one."""
        if self.election_id != manifest.election_id:
            raise AnnulmentError(f"an annulment of election {self.election_id!r}, not {manifest.election_id!r}")
        if self.precinct_id not in {p.precinct_id for p in manifest.precincts}:
            raise AnnulmentError(f"precinct {self.precinct_id!r} is not in the manifest", code="unknown_id")
        pinned = manifest.annulment_key
        if pinned is not None and pinned != self.commission_key.hex():
            which = "commission_key" if manifest.commission_key is not None else "registrar_key"
            raise AnnulmentError(f"the annulment is signed by another key than the manifest's commission key ({which})")
        body = signing_body(manifest_hash or manifest.manifest_hash(), self.unsigned_payload())
        try:
            signing.verify(self.commission_key, PRECINCT_ANNULMENT_TAG, body, self.signature)
        except CryptoError as e:
            raise AnnulmentError(f"the annulment's signature: {e.message}", code=e.code) from e


def sign_precinct_annulment(
    key: Ed25519PrivateKey, manifest: Manifest, precinct_id: str, reason: str, legal_basis: str
) -> PrecinctAnnulment:
    """The commission's signed annulment of ``precinct_id`` (checked here: unknown precinct or bad texts refused)."""
    unsigned = PrecinctAnnulment(
        manifest.election_id, precinct_id, reason, legal_basis, signing.public_key_bytes(key), b"\0" * 64
    )
    PrecinctAnnulment.from_payload(unsigned.to_payload())  # the texts' rules, before signing
    body = signing_body(manifest.manifest_hash(), unsigned.unsigned_payload())
    signed = PrecinctAnnulment(
        unsigned.election_id,
        precinct_id,
        reason,
        legal_basis,
        unsigned.commission_key,
        signing.sign(key, PRECINCT_ANNULMENT_TAG, body),
    )
    signed.check(manifest)
    return signed


def annulled_precincts(entries: Iterable[Entry]) -> frozenset[str]:
    """The precincts the ``precinct_annulment`` entries of ``entries`` annul (the board checked each when posted)."""
    return frozenset(
        PrecinctAnnulment.from_payload(e.payload).precinct_id for e in entries if e.kind is EntryKind.PRECINCT_ANNULMENT
    )

"""Inclusion and consistency proofs as value objects, with their JSON form (docs/spec/board.md, "Proofs"). Pure.

JSON: ``{"index": i, "tree_size": n, "hashes": [hex, ...]}`` and
``{"old_size": m, "new_size": n, "hashes": [hex, ...]}``; hashes deepest first, as in RFC 9162.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulletin_board import merkle
from bulletin_board.checkpoint import SignedTreeHead
from bulletin_board.entries import Entry
from bulletin_board.errors import ConsistencyProofError, InclusionProofError
from crypto.strict_json import Field

#: More hashes than any RFC 9162 proof of a tree of at most 2^64 leaves can hold.
MAX_PROOF_HASHES = 130


def _hashes(value: object, error: type[InclusionProofError | ConsistencyProofError]) -> tuple[bytes, ...]:
    if not isinstance(value, list):
        raise error("proof hashes must be a list of hex strings")
    try:
        out = tuple(bytes.fromhex(h) for h in value)
    except (TypeError, ValueError) as e:
        raise error("proof hashes must be lowercase hex") from e
    if any(len(h) != merkle.HASH_SIZE for h in out) or [h.hex() for h in out] != value:
        raise error(f"proof hashes must be {merkle.HASH_SIZE} bytes of lowercase hex")
    return out


def _int(data: Mapping[str, Any], key: str, error: type[InclusionProofError | ConsistencyProofError]) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise error(f"{key} must be a non-negative integer")
    return value


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 ``PATH(index, D[tree_size])``."""

    index: int
    tree_size: int
    hashes: tuple[bytes, ...]

    def verify(self, leaf_hash: bytes, root_hash: bytes) -> None:
        """Raise `InclusionProofError` unless ``leaf_hash`` is at ``index`` under ``root_hash``."""
        merkle.verify_inclusion(leaf_hash, self.index, self.tree_size, self.hashes, root_hash)

    def verify_entry(self, entry: Entry, head: SignedTreeHead) -> None:
        """Check ``entry`` is in the tree of ``head`` (whose signature the caller has checked)."""
        if entry.index != self.index or head.size != self.tree_size:
            raise InclusionProofError(
                f"proof is for entry {self.index} in size {self.tree_size}, not {entry.index} in size {head.size}"
            )
        self.verify(entry.entry_hash, head.root_hash)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "tree_size": self.tree_size, "hashes": [h.hex() for h in self.hashes]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InclusionProof:
        return cls(
            index=_int(data, "index", InclusionProofError),
            tree_size=_int(data, "tree_size", InclusionProofError),
            hashes=_hashes(data.get("hashes"), InclusionProofError),
        )


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 ``PROOF(old_size, D[new_size])``."""

    old_size: int
    new_size: int
    hashes: tuple[bytes, ...]

    def verify(self, old_root: bytes, new_root: bytes) -> None:
        """Raise `ConsistencyProofError` unless the old tree is a prefix of the new one."""
        merkle.verify_consistency(self.old_size, self.new_size, old_root, new_root, self.hashes)

    def verify_heads(self, old: SignedTreeHead, new: SignedTreeHead) -> None:
        """Check the proof links two tree heads (whose signatures the caller has checked)."""
        if (old.size, new.size) != (self.old_size, self.new_size):
            raise ConsistencyProofError(
                f"proof is from {self.old_size} to {self.new_size}, not from {old.size} to {new.size}"
            )
        self.verify(old.root_hash, new.root_hash)

    def to_json(self) -> dict[str, Any]:
        return {"old_size": self.old_size, "new_size": self.new_size, "hashes": [h.hex() for h in self.hashes]}

    @classmethod
    def decode(cls, field: Field) -> ConsistencyProof:
        """Strictly: exactly ``old_size``, ``new_size`` and ``hashes`` (lowercase hex, 32 bytes each);
        `MalformedFieldError` naming the field. Whether it links two heads is `verify_heads`."""
        obj = field.as_object({"old_size", "new_size", "hashes"})
        hashes = obj["hashes"].items(max_len=MAX_PROOF_HASHES)
        return cls(
            old_size=obj["old_size"].integer(),
            new_size=obj["new_size"].integer(),
            hashes=tuple(h.hex(merkle.HASH_SIZE) for h in hashes),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConsistencyProof:
        return cls(
            old_size=_int(data, "old_size", ConsistencyProofError),
            new_size=_int(data, "new_size", ConsistencyProofError),
            hashes=_hashes(data.get("hashes"), ConsistencyProofError),
        )

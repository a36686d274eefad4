"""How the dashboard reads a board: one small interface, two implementations.

* `ExportReader` — an export file loaded by `observer.board_export.load_export` (``shailoo observe EXPORT``);
* `LogReader` — a live `bulletin_board.log.BulletinBoard` (the server mounts the dashboard on its own board).

The dashboard never writes; everything it shows can be recomputed from the export.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from bulletin_board.checkpoint import SignedTreeHead
from bulletin_board.log import BulletinBoard
from observer.board_export import BoardExport


@dataclass(frozen=True)
class BoardEntry:
    """An entry as the dashboard shows it."""

    index: int
    kind: str
    payload: dict[str, Any]
    entry_hash: bytes
    timestamp: int
    leaf_bytes: bytes


@dataclass(frozen=True)
class WitnessMark:
    witness: str
    witness_key: bytes
    timestamp: int


class BoardReader(Protocol):
    """Read-only access to a board for the dashboard."""

    @property
    def origin(self) -> str: ...

    def size(self) -> int: ...

    def iter_entries(self, start: int, end: int) -> Iterator[BoardEntry]: ...

    def tree_heads(self) -> list[SignedTreeHead]: ...

    def cosignatures(self, size: int) -> list[WitnessMark]: ...

    def inclusion_proof(self, index: int, size: int) -> list[bytes]: ...


def _leaf(index: int, kind: str, payload: dict[str, Any]) -> bytes:
    from crypto.canonical import canonical_json

    return canonical_json({"index": index, "kind": kind, "payload": payload})


class ExportReader:
    """A `BoardReader` over a loaded export (ballot payloads are read back from the file when shown)."""

    def __init__(self, export: BoardExport) -> None:
        self.export = export

    @property
    def origin(self) -> str:
        return self.export.origin

    def size(self) -> int:
        head = self.export.last_tree_head
        return head.size if head is not None else 0

    def iter_entries(self, start: int, end: int) -> Iterator[BoardEntry]:
        for ref in self.export.entries[start:end]:
            payload = self.export.payload(ref.index)
            yield BoardEntry(
                ref.index, ref.kind, payload, ref.entry_hash, ref.timestamp, _leaf(ref.index, ref.kind, payload)
            )

    def tree_heads(self) -> list[SignedTreeHead]:
        return [t.head for t in self.export.tree_heads if t.head is not None]

    def cosignatures(self, size: int) -> list[WitnessMark]:
        for record in self.export.tree_heads:
            if record.head is not None and record.head.size == size:
                return [
                    WitnessMark(c.cosignature.witness, c.cosignature.witness_key, c.cosignature.cosignature.timestamp)
                    for c in record.cosignatures
                ]
        return []

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self.export.inclusion_proof(index, size)


class LogReader:
    """A `BoardReader` over a live board (what its latest signed tree head covers)."""

    def __init__(self, board: BulletinBoard) -> None:
        self.board = board

    @property
    def origin(self) -> str:
        return self.board.origin

    def size(self) -> int:
        heads = self.board.tree_heads()
        return heads[-1].size if heads else 0

    def iter_entries(self, start: int, end: int) -> Iterator[BoardEntry]:
        for stored in self.board.storage.iter_entries(start, end):
            e = stored.entry
            yield BoardEntry(e.index, e.kind.value, dict(e.payload), e.entry_hash, stored.timestamp, e.leaf_bytes)

    def tree_heads(self) -> list[SignedTreeHead]:
        return self.board.tree_heads()

    def cosignatures(self, size: int) -> list[WitnessMark]:
        return [WitnessMark(c.witness, c.witness_key, c.cosignature.timestamp) for c in self.board.cosignatures(size)]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return list(self.board.inclusion_proof(index, size).hashes)

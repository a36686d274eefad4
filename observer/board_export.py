"""Reading a board export for verification (docs/spec/board.md, "Export"; docs/spec/record.md).

`load_export` reads the JSON-lines export once, streaming, and keeps only what verification needs in memory:

* per entry: index, kind, byte offset and length of its line, entry hash, timestamp (`EntryRef`);
* the payloads of every entry except ballots and precinct batches (small: setup, issuance, tally, shares, result);
* per ballot a `BallotSummary` (credential key, style, precinct, tracking code) for weeding and the dashboard;
* every perfect Merkle subtree hash (about 2N hashes), so any range hash and consistency proof is cheap;
* the tree heads (with the consistency proof each carries) and cosignatures as found, and every *problem* met on
  the way (an entry that is not canonical, a promise signature that fails, a broken line), each naming its entry
  index or line.

Unlike `bulletin_board.export.verify_export`, which stops at the first problem, loading never stops: the checks
(`observer.checks`) turn the problems into failed checks that name what is wrong, and verify the rest anyway.
Ballot payloads are read back from the file by shard (`read_lines`), so a large board is never held in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board import merkle
from bulletin_board.checkpoint import SignedPromise, SignedTreeHead, WitnessCosignature, key_id, verify_promise
from bulletin_board.entries import EntryKind
from bulletin_board.errors import BoardError
from bulletin_board.export import EXPORT_FORMAT, read_tree_head_line
from bulletin_board.proofs import ConsistencyProof
from crypto.canonical import canonical_json
from crypto.errors import ShailooError
from crypto.hashing import hash_fields
from observer.errors import ExportUnreadableError
from record.ballot import tracking_code

#: Kinds whose payloads stay on disk (read back by shard); every other payload is kept in memory.
LARGE_KINDS: Final = frozenset({EntryKind.BALLOT.value, EntryKind.PRECINCT_BATCH.value})


@dataclass(frozen=True)
class EntryRef:
    """Where an entry's line is in the export and what the log says about it."""

    index: int
    kind: str
    offset: int
    length: int
    entry_hash: bytes
    timestamp: int


@dataclass(frozen=True)
class BallotSummary:
    """What weeding and the dashboard need of a ballot, without decoding any point."""

    index: int
    style_id: str
    precinct_id: str | None
    credential_key: bytes
    ballot_hash: bytes
    timestamp: int

    @property
    def tracking_code(self) -> str:
        return tracking_code(self.ballot_hash)


@dataclass(frozen=True)
class LogProblem:
    """Something wrong with the log itself, found while reading: ``index`` names the entry when there is one."""

    line: int
    message: str
    index: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "index": self.index, "message": self.message}


@dataclass(frozen=True)
class CosignatureRecord:
    """A witness cosignature as found in the export: its line (for evidence) and the cosignature itself."""

    line: int
    cosignature: WitnessCosignature


@dataclass
class TreeHeadRecord:
    """A signed tree head line, the root the entries before it hash to, and the cosignatures after it."""

    line: int
    text: str
    entries_before: int
    computed_root: bytes
    head: SignedTreeHead | None = None
    parse_error: str | None = None
    #: The consistency proof from the previous head that the line carries (none on the first head).
    consistency: ConsistencyProof | None = None
    cosignatures: list[CosignatureRecord] = field(default_factory=list)


@dataclass
class BoardExport:
    """A loaded export (see the module docstring). ``path`` is re-read for ballot payloads."""

    path: Path
    origin: str
    log_key: bytes
    declared_size: int
    entries: list[EntryRef] = field(default_factory=list)
    payloads: dict[int, dict[str, Any]] = field(default_factory=dict)
    ballots: list[BallotSummary] = field(default_factory=list)
    tree_heads: list[TreeHeadRecord] = field(default_factory=list)
    problems: list[LogProblem] = field(default_factory=list)
    subtrees: dict[merkle.Subtree, bytes] = field(default_factory=dict)
    end: dict[str, Any] | None = None

    @property
    def size(self) -> int:
        return len(self.entries)

    @property
    def last_tree_head(self) -> SignedTreeHead | None:
        heads = [t.head for t in self.tree_heads if t.head is not None]
        return heads[-1] if heads else None

    def fingerprint(self) -> str:
        """What identifies this export for a resume checkpoint: origin, size and root of its last tree head."""
        head = self.last_tree_head
        root = head.root_hash.hex() if head is not None else merkle.EMPTY_ROOT.hex()
        return f"{self.origin}/{head.size if head else 0}/{root}"

    def of_kind(self, kind: EntryKind | str) -> list[EntryRef]:
        value = kind.value if isinstance(kind, EntryKind) else kind
        return [e for e in self.entries if e.kind == value]

    def payload(self, index: int) -> dict[str, Any]:
        """The payload of entry ``index`` (read from the file for large kinds)."""
        if index in self.payloads:
            return self.payloads[index]
        return dict(json.loads(self.read_line(self.entries[index]))["payload"])

    def read_line(self, ref: EntryRef) -> bytes:
        with self.path.open("rb") as f:
            f.seek(ref.offset)
            return f.read(ref.length)

    def read_lines(self, refs: list[EntryRef]) -> list[bytes]:
        """The raw lines of ``refs`` (sorted by offset), read in one pass over the file."""
        out = []
        with self.path.open("rb") as f:
            for ref in refs:
                f.seek(ref.offset)
                out.append(f.read(ref.length))
        return out

    def range_hash(self, start: int, end: int) -> bytes:
        return merkle.range_hash(start, end, self.subtrees.__getitem__)

    def root(self, size: int) -> bytes:
        return self.range_hash(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return [self.range_hash(lo, hi) for lo, hi in merkle.inclusion_ranges(index, size)]

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return [self.range_hash(lo, hi) for lo, hi in merkle.consistency_ranges(old_size, new_size)]


def fast_canonical(value: object) -> bytes:
    """RFC 8785 bytes of ``value``; `json.dumps` is exact for Shailoo payloads (ints, ASCII keys), checked
    against `canonical_json` whenever the two could differ (non-ASCII keys)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


#: Bytes read between two reports of `load_export`'s ``on_progress``.
PROGRESS_STEP: Final = 1 << 20


class _Loader:
    def __init__(self, path: Path, on_progress: Callable[[int, int], None] | None = None) -> None:
        self.path = path
        self.on_progress = on_progress
        self.export: BoardExport | None = None
        self.key: Ed25519PublicKey | None = None
        self.key_id = b""
        self.line = 0

    def problem(self, message: str, index: int | None = None) -> None:
        assert self.export is not None
        self.export.problems.append(LogProblem(self.line, message, index))

    def run(self) -> BoardExport:
        offset = 0
        report = self.on_progress
        total = self.path.stat().st_size if report is not None else 0
        next_report = 0
        with self.path.open("rb") as f:
            for raw in f:
                self.line += 1
                self.feed(raw, offset)
                offset += len(raw)
                if report is not None and offset >= next_report:
                    report(offset, total)
                    next_report = offset + PROGRESS_STEP
        if report is not None:
            report(offset, total)
        if self.export is None:
            raise ExportUnreadableError(f"{self.path} is empty: not a board export")
        if self.export.end is None:
            self.problem("the export is truncated: no end line")
        return self.export

    def feed(self, raw: bytes, offset: int) -> None:
        try:
            obj = json.loads(raw)
        except ValueError:
            obj = None
        if self.export is None:
            self.header(obj)
            return
        if not isinstance(obj, dict):
            index = self.export.size if b'"type":"entry"' in raw else None
            self.problem("a line that is not a JSON object", index)
            if index is not None:  # keep the numbering: the broken entry is still entry `index`
                self.add_ref(EntryRef(index, "", offset, len(raw), merkle.leaf_hash(raw), 0), None)
            return
        kind = obj.get("type")
        if kind == "entry":
            self.entry(obj, raw, offset)
        elif kind == "tree_head":
            self.tree_head(obj)
        elif kind == "cosignature":
            self.cosignature(obj)
        elif kind == "end":
            self.export.end = obj
        else:
            self.problem(f"unknown line type {kind!r}")

    def header(self, obj: object) -> None:
        if not isinstance(obj, dict) or obj.get("type") != "header" or obj.get("format") != EXPORT_FORMAT:
            raise ExportUnreadableError(f"{self.path}: the first line is not a {EXPORT_FORMAT} header")
        try:
            log_key = bytes.fromhex(str(obj["log_key"]))
            self.key = Ed25519PublicKey.from_public_bytes(log_key)
            origin = str(obj["origin"])
            size = int(obj["size"])
        except (KeyError, ValueError, TypeError) as e:
            raise ExportUnreadableError(f"{self.path}: bad export header ({e})") from e
        self.key_id = key_id(origin, self.key)
        self.export = BoardExport(self.path, origin, log_key, size)

    def add_ref(self, ref: EntryRef, obj: Mapping[str, Any] | None) -> None:
        export = self.export
        assert export is not None
        nodes = merkle.new_subtree_hashes(export.size, export.subtrees, [ref.entry_hash])
        export.subtrees.update(nodes)
        export.entries.append(ref)

    def entry(self, obj: dict[str, Any], raw: bytes, offset: int) -> None:
        export = self.export
        assert export is not None and self.key is not None
        index = export.size
        if obj.get("index") != index:
            self.problem(f"expected entry {index} here, found index {obj.get('index')!r}", index)
        payload, kind, timestamp = obj.get("payload"), obj.get("kind"), obj.get("timestamp")
        if not isinstance(payload, dict) or not isinstance(kind, str) or type(timestamp) is not int:
            self.problem("an entry needs a kind, an object payload and an integer timestamp", index)
            self.add_ref(EntryRef(index, str(kind), offset, len(raw), merkle.leaf_hash(raw), 0), None)
            return
        try:
            EntryKind.parse(kind)
        except BoardError:
            self.problem(f"unknown entry kind {kind!r}", index)
        body = raw.rstrip(b"\n")
        payload_bytes = fast_canonical(payload)
        if fast_canonical(obj) != body:
            try:
                canonical_line, payload_bytes = canonical_json(obj), canonical_json(payload)
            except ShailooError as e:
                canonical_line = b""
                self.problem(f"entry is not canonical JSON: {e.message}", index)
            if canonical_line and canonical_line != body:
                self.problem("entry is not in canonical form", index)
        leaf = b'{"index":%d,"kind":%s,"payload":%s}' % (index, json.dumps(kind).encode(), payload_bytes)
        entry_hash = merkle.leaf_hash(leaf)
        try:
            signature = bytes.fromhex(str(obj.get("promise_signature")))
            promise = SignedPromise(export.origin, index, entry_hash, timestamp, signature, self.key_id)
            verify_promise(promise, self.key)
        except (BoardError, ValueError):
            self.problem("the log's promise signature does not verify (the entry or its promise was altered)", index)
        ref = EntryRef(index, kind, offset, len(raw), entry_hash, timestamp)
        self.add_ref(ref, obj)
        if kind == EntryKind.BALLOT.value:
            self.ballot(index, payload, timestamp)
        elif kind not in LARGE_KINDS:
            export.payloads[index] = payload

    def ballot(self, index: int, payload: dict[str, Any], timestamp: int) -> None:
        # Only what weeding needs; a malformed ballot is reported by the ballot check, not here.
        export = self.export
        assert export is not None
        try:
            credential = bytes.fromhex(payload["credential"]["public_key"])
            style, precinct = str(payload["style_id"]), payload.get("precinct_id")
        except (KeyError, TypeError, ValueError):
            return
        ballot_hash = hash_fields("ballot", fast_canonical(payload))
        export.ballots.append(
            BallotSummary(
                index, style, precinct if isinstance(precinct, str) else None, credential, ballot_hash, timestamp
            )
        )

    def tree_head(self, obj: dict[str, Any]) -> None:
        export = self.export
        assert export is not None
        record = TreeHeadRecord(self.line, str(obj.get("checkpoint")), export.size, export.root(export.size))
        try:
            record.text, record.consistency = read_tree_head_line(obj)
            record.head = SignedTreeHead.from_text(record.text)
        except ShailooError as e:
            record.parse_error = e.message
        export.tree_heads.append(record)

    def cosignature(self, obj: dict[str, Any]) -> None:
        export = self.export
        assert export is not None
        if not export.tree_heads:
            self.problem("a cosignature before any tree head")
            return
        try:
            record = CosignatureRecord(self.line, WitnessCosignature.from_json(obj))
        except ShailooError as e:
            self.problem(f"malformed cosignature ({e.message})")
            return
        export.tree_heads[-1].cosignatures.append(record)


def load_export(path: str | Path, on_progress: Callable[[int, int], None] | None = None) -> BoardExport:
    """Read a board export file (see the module docstring); `ExportUnreadableError` if it is not one at all.
    ``on_progress(bytes_read, file_size)`` is told at least every `PROGRESS_STEP` bytes and at the end."""
    path = Path(path)
    if not path.is_file():
        raise ExportUnreadableError(f"no export file at {path}")
    return _Loader(path, on_progress).run()


def iter_entry_refs(export: BoardExport, kinds: frozenset[str]) -> Iterator[EntryRef]:
    return (ref for ref in export.entries if ref.kind in kinds)

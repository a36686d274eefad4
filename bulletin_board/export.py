"""Streamed export of the whole board and its offline verification (docs/spec/board.md, "Export").

The export is JSON lines (UTF-8, one RFC 8785 canonical object per line, ``\\n`` after each):

1. ``{"format": "shailoo-board-export/v1", "origin", "log_key": hex, "size": N, "type": "header"}``;
2. entries in index order: ``{"index", "kind", "payload", "promise_signature": hex, "timestamp", "type": "entry"}``;
3. each signed tree head right after the last entry it covers (a head of size 0 before the first entry):
   ``{"checkpoint": <signed note text>, "consistency": <proof>, "type": "tree_head"}``, where every head but the
   first carries the RFC 9162 consistency proof ``{"old_size", "new_size", "hashes"}`` from the head before it,
   followed by its cosignatures
   ``{"key_id": hex, "signature": hex, "size", "timestamp", "type": "cosignature", "witness", "witness_key": hex}``;
4. ``{"cosignatures": C, "size": N, "tree_heads": H, "type": "end"}``.

``N`` is the size of the latest signed tree head when the export starts, so every exported entry is covered
by a signed head. `verify_export` checks every line in one pass with O(log N) memory: each entry's index,
form, phase and promise signature (so an altered entry fails *at that entry*, named by its index), every tree
head's signature, root and consistency proof from the previous head, every cosignature, and the end line
(truncation). `import_board` verifies first,
then loads the board into empty storage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board import merkle
from bulletin_board.checkpoint import (
    SignedPromise,
    SignedTreeHead,
    WitnessCosignature,
    key_id,
    public_key_bytes,
    verify_promise,
    verify_tree_head,
)
from bulletin_board.entries import DEFAULT_VALIDATORS, Entry, PayloadValidators, payload_hash
from bulletin_board.errors import BoardError, ConsistencyProofError, ExportFormatError, StorageError
from bulletin_board.log import BulletinBoard
from bulletin_board.phases import INITIAL_PHASE, Phase, next_phase
from bulletin_board.proofs import ConsistencyProof
from bulletin_board.storage import BoardStorage, NewEntry, StoredTreeHead
from crypto.canonical import canonical_json
from crypto.errors import ShailooError
from crypto.signing import decode_public_key
from crypto.strict_json import Field, MalformedFieldError

EXPORT_FORMAT: Final = "shailoo-board-export/v1"
_READ_BATCH: Final = 5000
#: A checkpoint note is four short lines and one signature line; anything longer is not one.
_MAX_CHECKPOINT_CHARS: Final = 4096


@dataclass
class ExportSummary:
    """What an export holds (or what a verified export held)."""

    origin: str
    log_key: bytes
    size: int
    tree_heads: int
    cosignatures: int
    last_tree_head: SignedTreeHead | None = None
    witnesses: dict[str, bytes] = field(default_factory=dict)


# --- export ------------------------------------------------------------------------------------------------------


def iter_export(board: BulletinBoard) -> Iterator[bytes]:
    """The export's lines (each ending in ``\\n``), streamed from storage ``_READ_BATCH`` entries at a time."""
    head = board.tree_head()
    size = head.size
    heads = {h.size: h for h in board.tree_heads() if h.size <= size}
    cosigs: dict[int, list[WitnessCosignature]] = {}
    for c in board.storage.cosignatures():
        cosigs.setdefault(c.size, []).append(c)
    yield _line(
        {"type": "header", "format": EXPORT_FORMAT, "origin": board.origin, "log_key": _key_hex(board), "size": size}
    )
    written = _Written()
    yield from _heads_at(board, 0, heads, cosigs, written)
    for lo in range(0, size, _READ_BATCH):
        for stored in board.storage.entries(lo, min(size, lo + _READ_BATCH)):
            entry = stored.entry
            # The stored payload is canonical already, so the line is assembled in canonical key order directly.
            yield (
                b'{"index":%d,"kind":"%s","payload":%s,"promise_signature":"%s","timestamp":%d,"type":"entry"}\n'
                % (
                    entry.index,
                    entry.kind.value.encode(),
                    _payload_bytes(entry),
                    stored.promise_signature.hex().encode(),
                    stored.timestamp,
                )
            )
            yield from _heads_at(board, entry.index + 1, heads, cosigs, written)
    yield _line({"type": "end", "size": size, "tree_heads": written.tree_heads, "cosignatures": written.cosignatures})


def _payload_bytes(entry: Entry) -> bytes:
    # leaf bytes are {"index":..,"kind":..,"payload":<canonical payload>}: the payload is the tail minus "}".
    start = entry.leaf_bytes.index(b',"payload":') + len(b',"payload":')
    return entry.leaf_bytes[start:-1]


@dataclass
class _Written:
    """What the exporter has written so far: counts for the end line, the size of the last head."""

    tree_heads: int = 0
    cosignatures: int = 0
    last_size: int | None = None


def _heads_at(
    board: BulletinBoard,
    size: int,
    heads: Mapping[int, SignedTreeHead],
    cosigs: Mapping[int, list[WitnessCosignature]],
    written: _Written,
) -> Iterator[bytes]:
    head = heads.get(size)
    if head is None:
        return
    line: dict[str, Any] = {"type": "tree_head", "checkpoint": head.to_text()}
    if written.last_size is not None:  # every head but the first: the proof that it extends the one before
        line["consistency"] = board.consistency_proof(written.last_size, size).to_json()
    written.tree_heads += 1
    written.last_size = size
    yield _line(line)
    for c in cosigs.get(size, []):
        written.cosignatures += 1
        yield _line({"type": "cosignature", **c.to_json()})


def _key_hex(board: BulletinBoard) -> str:
    return public_key_bytes(board.public_key).hex()


def _line(obj: Mapping[str, Any]) -> bytes:
    return canonical_json(dict(obj)) + b"\n"


def write_export(board: BulletinBoard, out: IO[bytes]) -> int:
    """Write the export to a binary stream; returns the number of bytes written."""
    written = 0
    for line in iter_export(board):
        out.write(line)
        written += len(line)
    return written


# --- verification ------------------------------------------------------------------------------------------------


class _Verifier:
    """Streaming state of `verify_export`: the Merkle frontier, the phase and the last tree head."""

    def __init__(
        self,
        log_key: Ed25519PublicKey | None,
        witness_keys: Mapping[str, Ed25519PublicKey] | None,
        validators: PayloadValidators | None,
    ) -> None:
        self.expected_log_key = log_key
        self.witness_keys = witness_keys or {}
        self.validators = validators
        self.summary: ExportSummary | None = None
        self.key: Ed25519PublicKey | None = None
        self.key_id = b""
        self.count = 0
        self.frontier: dict[merkle.Subtree, bytes] = {}
        self.phase: Phase = INITIAL_PHASE
        self.ended = False
        self.line = 0

    def fail(self, message: str, index: int | None = None) -> ExportFormatError:
        where = f"entry {index}" if index is not None else f"line {self.line}"
        return ExportFormatError(f"export rejected at {where}: {message}", index=index, line=self.line)

    def feed(self, raw: bytes | str) -> Entry | None:
        self.line += 1
        if self.ended:
            raise self.fail("data after the end line")
        try:
            obj = json.loads(raw)
        except ValueError as e:
            raise self.fail(f"not JSON ({e})", self._index_hint(raw)) from e
        if not isinstance(obj, dict):
            raise self.fail("a line must be a JSON object")
        kind = obj.get("type")
        if self.summary is None:
            if kind != "header":
                raise self.fail("the first line must be the header")
            self._header(obj)
            return None
        handler = {
            "entry": self._entry,
            "tree_head": self._tree_head,
            "cosignature": self._cosignature,
            "end": self._end,
        }
        if kind not in handler:
            raise self.fail(f"unknown line type {kind!r}")
        return handler[kind](obj)

    def _index_hint(self, raw: bytes | str) -> int | None:
        # A line that is not even JSON is still reported by the entry index it would have had.
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        return self.count if text.startswith('{"index":') or '"type":"entry"' in text else None

    def _header(self, obj: dict[str, Any]) -> None:
        if obj.get("format") != EXPORT_FORMAT:
            raise self.fail(f"not a {EXPORT_FORMAT} export")
        try:
            header = Field(obj).as_object({"type", "format", "origin", "log_key", "size"})
            key_bytes = header["log_key"].hex(32)
            self.key = header["log_key"].decode(decode_public_key, key_bytes)
            origin, size = header["origin"].text(max_len=256), header["size"].integer()
        except ShailooError as e:
            raise self.fail(f"bad header ({e.message})") from e
        if self.expected_log_key is not None and public_key_bytes(self.expected_log_key) != key_bytes:
            raise self.fail("the export is signed by a different log key than the one expected")
        self.key_id = key_id(origin, self.key)
        self.summary = ExportSummary(origin=origin, log_key=key_bytes, size=size, tree_heads=0, cosignatures=0)

    def _entry(self, obj: dict[str, Any]) -> Entry:
        assert self.summary is not None and self.key is not None
        index = obj.get("index")
        if index != self.count:
            raise self.fail(f"expected entry {self.count} here, found index {index!r}", self.count)
        try:
            timestamp, signature = _promise_fields(obj)
            entry = Entry.create(index, obj["kind"], obj["payload"])
            self.phase = next_phase(self.phase, entry.kind, index=index)
            if self.validators is not None:
                self.validators.check(entry.kind, entry.payload)
            promise = SignedPromise(self.summary.origin, index, entry.entry_hash, timestamp, signature, self.key_id)
            verify_promise(promise, self.key)
        except (BoardError, MalformedFieldError) as e:
            raise self.fail(f"{e.message} (the entry or its promise was altered)", index) from e
        nodes = merkle.new_subtree_hashes(self.count, self.frontier, [entry.entry_hash])
        self.count += 1
        known = {**self.frontier, **nodes}
        self.frontier = {s: known[s] for s in merkle.subtree_cover(0, self.count)}
        return entry

    def _tree_head(self, obj: dict[str, Any]) -> None:
        assert self.summary is not None and self.key is not None
        try:
            text, proof = read_tree_head_line(obj)
            head = SignedTreeHead.from_text(text)
            verify_tree_head(head, self.key)
        except MalformedFieldError as e:
            raise self.fail(f"bad tree head line ({e.message})") from e
        except BoardError as e:
            raise self.fail(f"tree head does not verify: {e.message}") from e
        if head.origin != self.summary.origin:
            raise self.fail(f"tree head of another log {head.origin!r}")
        last = self.summary.last_tree_head
        if head.size != self.count or (last is not None and head.size <= last.size):
            raise self.fail(f"tree head of size {head.size} is out of place after {self.count} entries")
        if last is not None and head.timestamp < last.timestamp:
            raise self.fail(f"tree head of size {head.size} is older than the previous one")
        root = merkle.fold_cover([self.frontier[s] for s in merkle.subtree_cover(0, self.count)])
        if root != head.root_hash:
            raise self.fail(f"the entries do not hash to the signed root of size {head.size}")
        try:
            check_head_consistency(last, head, proof)
        except ConsistencyProofError as e:
            raise self.fail(e.message) from e
        self.summary.last_tree_head = head
        self.summary.tree_heads += 1

    def _cosignature(self, obj: dict[str, Any]) -> None:
        assert self.summary is not None
        head = self.summary.last_tree_head
        try:
            cosignature = WitnessCosignature.from_json(obj)
            if head is None or cosignature.size != head.size:
                raise self.fail("cosignature does not follow the tree head it signs")
            expected = self.witness_keys.get(cosignature.witness)
            if expected is not None and public_key_bytes(expected) != cosignature.witness_key:
                raise self.fail(f"cosignature of {cosignature.witness} is not under that witness's known key")
            cosignature.verify(head.head)
        except ExportFormatError:
            raise
        except ShailooError as e:
            raise self.fail(f"cosignature does not verify ({e.message})") from e
        witness, key_bytes = cosignature.witness, cosignature.witness_key
        self.summary.witnesses[witness] = key_bytes
        self.summary.cosignatures += 1

    def _end(self, obj: dict[str, Any]) -> None:
        assert self.summary is not None
        s = self.summary
        if (obj.get("size"), obj.get("tree_heads"), obj.get("cosignatures")) != (s.size, s.tree_heads, s.cosignatures):
            raise self.fail("the end line does not match what the export held")
        if self.count != s.size or s.last_tree_head is None or s.last_tree_head.size != s.size:
            raise self.fail(f"export holds {self.count} entries; the header promised {s.size} under a signed head")
        self.ended = True

    def finish(self) -> ExportSummary:
        if self.summary is None or not self.ended:
            raise self.fail("the export is truncated (no end line)", None)
        return self.summary


def read_tree_head_line(obj: Mapping[str, Any]) -> tuple[str, ConsistencyProof | None]:
    """A ``tree_head`` line's exact keys: its checkpoint note text and its consistency proof, if it has one;
    `MalformedFieldError` naming the bad field otherwise."""
    line = Field(dict(obj)).as_object({"type", "checkpoint"}, optional={"consistency"})
    text = line["checkpoint"].text(max_len=_MAX_CHECKPOINT_CHARS)
    proof = line.get("consistency")
    return text, None if proof is None else ConsistencyProof.decode(proof)


def check_head_consistency(
    previous: SignedTreeHead | None, head: SignedTreeHead, proof: ConsistencyProof | None
) -> None:
    """The first head carries no proof; every later one carries the RFC 9162 proof from ``previous`` to ``head``
    (both signatures checked by the caller), and it must verify. `ConsistencyProofError` otherwise."""
    if previous is None:
        if proof is not None:
            raise ConsistencyProofError(f"the first tree head (size {head.size}) carries a consistency proof")
        return
    if proof is None:
        raise ConsistencyProofError(f"tree head of size {head.size} carries no consistency proof from {previous.size}")
    try:
        proof.verify_heads(previous, head)
    except ConsistencyProofError as e:
        raise ConsistencyProofError(
            f"the consistency proof of the tree head of size {head.size} does not link it to size {previous.size}: "
            f"{e.message}"
        ) from e


def verify_export(
    lines: Iterable[bytes | str],
    *,
    log_key: Ed25519PublicKey | None = None,
    witness_keys: Mapping[str, Ed25519PublicKey] | None = None,
    validators: PayloadValidators | None = None,
) -> ExportSummary:
    """Verify an export offline in one pass; raises `ExportFormatError` (``invalid_export``) at the first problem,
    with ``index`` naming the first bad entry. ``log_key``/``witness_keys``: keys the caller already trusts."""
    verifier = _Verifier(log_key, witness_keys, validators)
    for raw in lines:
        verifier.feed(raw)
    return verifier.finish()


def import_board(
    path: str | Path,
    storage: BoardStorage,
    *,
    log_key: Ed25519PublicKey | None = None,
    witness_keys: Mapping[str, Ed25519PublicKey] | None = None,
    validators: PayloadValidators | None = DEFAULT_VALIDATORS,
) -> ExportSummary:
    """Verify the export file at ``path`` completely, then load it into ``storage`` (which must be empty)."""
    path = Path(path)
    with path.open("rb") as f:
        summary = verify_export(f, log_key=log_key, witness_keys=witness_keys, validators=validators)
    if storage.state()[0] != 0:
        raise StorageError("import_board needs an empty board")
    verifier = _Verifier(None, None, None)  # second pass: already verified; reuse the parser to rebuild state
    batch: list[NewEntry] = []
    with path.open("rb") as f:
        for raw in f:
            obj = json.loads(raw)
            entry = verifier.feed(raw)
            if entry is not None:
                batch.append(_new_entry(entry, obj))
                if len(batch) >= _READ_BATCH:
                    _store(storage, batch, verifier.phase)
            elif obj["type"] in ("tree_head", "cosignature"):
                _store(storage, batch, verifier.phase)
                _store_signature(storage, obj)
    _store(storage, batch, verifier.phase)
    return summary


def _promise_fields(line: Mapping[str, Any]) -> tuple[int, bytes]:
    """An entry line's exact keys, its ``timestamp`` (unix ms) and ``promise_signature`` (64 bytes of lowercase
    hex); `MalformedFieldError` naming the bad field otherwise."""
    obj = Field(dict(line)).as_object(_ENTRY_LINE_KEYS)
    return obj["timestamp"].integer(), obj["promise_signature"].hex(64)


_ENTRY_LINE_KEYS: Final = frozenset({"type", "index", "kind", "payload", "timestamp", "promise_signature"})


def _new_entry(entry: Entry, obj: Mapping[str, Any]) -> NewEntry:
    payload_json = _payload_bytes(entry).decode()
    timestamp, signature = _promise_fields(obj)  # read as the verifying pass read them
    return NewEntry(
        entry=entry,
        payload_json=payload_json,
        payload_hash=payload_hash(entry.kind, entry.payload),
        dedup_key=None,
        timestamp=timestamp,
        promise_signature=signature,
    )


def _store(storage: BoardStorage, batch: list[NewEntry], phase: Phase) -> None:
    if batch:
        rows = list(batch)
        batch.clear()
        storage.append(lambda _size, _phase: (rows, phase))


def _store_signature(storage: BoardStorage, obj: Mapping[str, Any]) -> None:
    if obj["type"] == "tree_head":
        head = SignedTreeHead.from_text(str(obj["checkpoint"]))
        storage.put_tree_head(StoredTreeHead(head.size, head.root_hash, head.timestamp, head.key_id, head.signature))
        return
    storage.put_cosignature(WitnessCosignature.from_json(obj))

"""The bulletin board: an append-only RFC 9162 transparency log of election entries (docs/board.md).

Public API (stable; see docs/board.md for examples and docs/spec/board.md for the bytes):

``BulletinBoard(storage, signing_key, *, origin, max_merge_delay=1.0, validators=DEFAULT_VALIDATORS, clock=None)``;
``BulletinBoard.mirror(storage, log_key, *, origin)`` for a read-only copy (e.g. an imported export).

* ``append(kind, payload, *, dedup_key=None) -> SignedPromise`` — validate, check the phase, store durably,
  return the log's signed promise (entry hash, index, time). Errors (nothing written): ``invalid_entry``,
  ``wrong_phase``, ``duplicate_entry``.
* ``append_many(items, *, dedup_keys=None) -> list[SignedPromise]`` — one transaction for all (all or nothing);
  `group_commit.GroupCommitter(board).append(...)` batches concurrent single appends from many threads.
* ``size``, ``phase`` — current tree size and election phase (`phases.Phase`).
* ``entry(index) -> Entry``, ``entries(start, end) -> list[Entry]``, ``stored_entries(start, end)``,
  ``find_by_hash(entry_hash) -> Entry | None``, ``find_by_payload(kind, payload) -> Entry | None``,
  ``find_by_dedup_key(key) -> Entry | None``, ``promise(index) -> SignedPromise``.
* ``integrate() -> SignedTreeHead`` — sign a tree head for everything stored; ``start()``/``stop()`` (or
  ``with board:``) run it in a background thread every ``max_merge_delay / 2`` seconds, so every promise is
  in a signed tree head within ``max_merge_delay``.
* ``tree_head(size=None) -> SignedTreeHead`` — the latest (or the given size's) signed tree head.
* ``inclusion_proof(entry, tree_size=None) -> InclusionProof`` — ``entry`` is an index or an entry hash;
  ``tree_size`` defaults to the latest signed tree head.
* ``consistency_proof(old_size, new_size=None) -> ConsistencyProof``.
* ``add_cosignature(size, cosignature, witness_key)``, ``cosignatures(size=None) -> list[WitnessCosignature]``,
  ``collect_cosignature(witness) -> Cosignature`` (in-process witnessing).

Proofs read O(log n) stored subtree hashes from `storage.BoardStorage`; the tree is never rebuilt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bulletin_board import merkle
from bulletin_board.checkpoint import (
    Cosignature,
    SignedPromise,
    SignedTreeHead,
    TreeHead,
    WitnessCosignature,
    key_id,
    public_key_bytes,
    sign_promise,
    sign_tree_head,
    verify_cosignature,
)
from bulletin_board.entries import (
    DEFAULT_VALIDATORS,
    Entry,
    EntryKind,
    PayloadValidators,
    canonical_payload,
    canonical_payload_hash,
    payload_hash,
)
from bulletin_board.errors import EntryNotFoundError, ReadOnlyBoardError, StorageError, TreeSizeError
from bulletin_board.phases import Phase, next_phase
from bulletin_board.proofs import ConsistencyProof, InclusionProof
from bulletin_board.storage import (
    BoardStorage,
    NewEntry,
    StoredEntry,
    StoredTreeHead,
    now_ms,
)
from bulletin_board.witness import Witness

JsonObject = Mapping[str, Any]


_log = logging.getLogger("shailoo.board")

#: The longest pause (seconds) of the integrator between retries while the database fails.
INTEGRATOR_MAX_BACKOFF = 2.0


class BulletinBoard:
    """One election's board over a `BoardStorage`, signing with the log's Ed25519 key as ``origin``."""

    def __init__(
        self,
        storage: BoardStorage,
        signing_key: Ed25519PrivateKey,
        *,
        origin: str,
        max_merge_delay: float = 1.0,
        validators: PayloadValidators = DEFAULT_VALIDATORS,
        clock: Callable[[], int] | None = None,
    ) -> None:
        if max_merge_delay <= 0:
            raise ValueError("max_merge_delay must be positive")
        self.storage = storage
        self.origin = origin
        self.max_merge_delay = max_merge_delay
        self._key: Ed25519PrivateKey | None = signing_key
        self._public_key = signing_key.public_key()
        self._validators = validators
        self._clock = clock or now_ms
        self._key_id = key_id(origin, self._public_key)
        self._stop = threading.Event()
        self._integrator: threading.Thread | None = None
        #: Consecutive failed runs of the background integrator and the last error (for readiness probes).
        self.integrator_failures = 0
        self.integrator_error: str | None = None
        TreeHead(origin, 0, merkle.EMPTY_ROOT, 0)  # validates the origin name now rather than at first use

    @property
    def validators(self) -> PayloadValidators:
        """The payload validators this board runs before every append."""
        return self._validators

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The log's public key: tree heads and promises verify under it."""
        return self._public_key

    @classmethod
    def mirror(cls, storage: BoardStorage, log_key: Ed25519PublicKey, *, origin: str) -> BulletinBoard:
        """A read-only board over a copy of another log (e.g. after `export.import_board`): reads and proofs
        work, appends and new tree heads raise `ReadOnlyBoardError`."""
        board = cls(storage, Ed25519PrivateKey.generate(), origin=origin)
        board._key, board._public_key = None, log_key
        board._key_id = key_id(origin, log_key)
        return board

    def _signing_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            raise ReadOnlyBoardError(f"this is a read-only mirror of {self.origin}: it cannot append or sign")
        return self._key

    # --- appending ---------------------------------------------------------------------------------------------

    def append(self, kind: EntryKind | str, payload: JsonObject, *, dedup_key: str | None = None) -> SignedPromise:
        """Append one entry; returns the signed promise once the entry is committed."""
        return self.append_many([(kind, payload)], dedup_keys=[dedup_key])[0]

    def append_many(
        self,
        items: Sequence[tuple[EntryKind | str, JsonObject]],
        *,
        dedup_keys: Sequence[str | None] | None = None,
    ) -> list[SignedPromise]:
        """Append several entries in one transaction (all or nothing); promises in the same order."""
        keys = list(dedup_keys) if dedup_keys is not None else [None] * len(items)
        if len(keys) != len(items):
            raise ValueError("dedup_keys must have one key (or None) per item")
        signing_key = self._signing_key()
        # Encode, hash and validate before taking the lock: the lock is held only to number, sign and write.
        prepared = []
        for kind, payload in items:
            parsed = EntryKind.parse(kind)
            payload_bytes = canonical_payload(payload, parsed)
            self._validators.check(parsed, payload)
            prepared.append((parsed, payload_bytes, canonical_payload_hash(parsed, payload_bytes)))

        def plan(size: int, phase: Phase) -> tuple[list[NewEntry], Phase]:
            now = self._clock()  # under the lock: promise times follow the order of indices
            new: list[NewEntry] = []
            for offset, (kind, payload_bytes, p_hash) in enumerate(prepared):
                entry = Entry.from_canonical(size + offset, kind, payload_bytes)
                phase = next_phase(phase, kind, index=entry.index)
                promise = sign_promise(self.origin, entry.index, entry.entry_hash, now, signing_key)
                new.append(
                    NewEntry(
                        entry=entry,
                        payload_json=payload_bytes.decode(),
                        payload_hash=p_hash,
                        dedup_key=keys[offset],
                        timestamp=now,
                        promise_signature=promise.signature,
                    )
                )
            return new, phase

        stored, _ = self.storage.append(plan)
        return [self._promise(s) for s in stored]

    def _promise(self, stored: StoredEntry) -> SignedPromise:
        entry = stored.entry
        return SignedPromise(
            self.origin, entry.index, entry.entry_hash, stored.timestamp, stored.promise_signature, self._key_id
        )

    # --- reading -----------------------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of entries stored (possibly more than the latest signed tree head covers)."""
        return self.storage.state()[0]

    @property
    def phase(self) -> Phase:
        """The election phase after the last stored entry."""
        return self.storage.state()[1]

    def entry(self, index: int) -> Entry:
        """The entry at ``index``; `EntryNotFoundError` if there is none."""
        return self._stored(index).entry

    def _stored(self, index: int) -> StoredEntry:
        rows = self.storage.entries(index, index + 1)
        if not rows:
            raise EntryNotFoundError(f"no entry at index {index}")
        return rows[0]

    def entries(self, start: int, end: int) -> list[Entry]:
        """Entries ``start <= index < end`` in order."""
        return [s.entry for s in self.storage.entries(start, end)]

    def stored_entries(self, start: int, end: int) -> list[StoredEntry]:
        """Entries with their commit times and dedup keys."""
        return self.storage.entries(start, end)

    def find_by_hash(self, entry_hash: bytes) -> Entry | None:
        """The entry whose RFC 9162 leaf hash is ``entry_hash``, or ``None``."""
        found = self.storage.entry_by("entry_hash", entry_hash)
        return None if found is None else found.entry

    def find_by_payload(self, kind: EntryKind | str, payload: JsonObject) -> Entry | None:
        """The first entry with this kind and (canonically equal) payload, or ``None``."""
        found = self.storage.entry_by("payload_hash", payload_hash(kind, payload))
        return None if found is None else found.entry

    def find_by_dedup_key(self, dedup_key: str) -> Entry | None:
        """The entry appended with ``dedup_key``, or ``None``."""
        found = self.storage.entry_by("dedup_key", dedup_key)
        return None if found is None else found.entry

    def promise(self, index: int) -> SignedPromise:
        """The signed promise of a stored entry, exactly as `append` returned it."""
        return self._promise(self._stored(index))

    # --- tree heads --------------------------------------------------------------------------------------------

    def integrate(self) -> SignedTreeHead:
        """Sign a tree head covering every stored entry (or return the latest if nothing new was stored)."""
        size, _ = self.storage.state()
        latest = self.storage.tree_head()
        if latest is not None and latest.size >= size:  # the common case, without taking the write lock
            return self._signed(latest)
        signing_key = self._signing_key()

        def sign(size: int, root_hash: bytes, latest: StoredTreeHead | None) -> StoredTreeHead:
            timestamp = max(self._clock(), latest.timestamp if latest else 0)  # head times never go backwards
            sth = sign_tree_head(TreeHead(self.origin, size, root_hash, timestamp), signing_key)
            return StoredTreeHead(size, root_hash, timestamp, sth.key_id, sth.signature)

        return self._signed(self.storage.integrate(sign))

    def _signed(self, stored: StoredTreeHead) -> SignedTreeHead:
        head = TreeHead(self.origin, stored.size, stored.root_hash, stored.timestamp)
        return SignedTreeHead(head=head, signature=stored.signature, key_id=stored.key_id)

    def tree_head(self, size: int | None = None) -> SignedTreeHead:
        """The latest signed tree head (signing one first if none exists), or the one of ``size``."""
        stored = self.storage.tree_head(size)
        if stored is None:
            if size is None:
                return self.integrate()
            raise EntryNotFoundError(f"no signed tree head of size {size}")
        return self._signed(stored)

    def tree_heads(self) -> list[SignedTreeHead]:
        """Every signed tree head, by size."""
        return [self._signed(s) for s in self.storage.tree_heads()]

    # --- proofs ------------------------------------------------------------------------------------------------

    def _proof_size(self, tree_size: int | None) -> int:
        if tree_size is None:
            return self.tree_head().size
        if tree_size < 0:
            raise TreeSizeError(f"tree size {tree_size} is negative")
        return tree_size

    def inclusion_proof(self, entry: int | bytes, tree_size: int | None = None) -> InclusionProof:
        """``PATH(index, D[tree_size])`` for an entry given by index or entry hash, from stored hashes."""
        if isinstance(entry, bytes):
            found = self.storage.entry_by("entry_hash", entry)
            if found is None:
                raise EntryNotFoundError(f"no entry with hash {entry.hex()}")
            index = found.entry.index
        else:
            index = entry
        size = self._proof_size(tree_size)
        if not 0 <= index < size:
            raise TreeSizeError(f"entry {index} is not in the tree of size {size}")
        ranges = merkle.inclusion_ranges(index, size)
        return InclusionProof(index, size, self._range_hashes(ranges, size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        """``PROOF(old_size, D[new_size])`` from stored hashes (``new_size``: the latest signed tree head)."""
        size = self._proof_size(new_size)
        if not 0 <= old_size <= size:
            raise TreeSizeError(f"no consistency proof from size {old_size} to size {size}")
        ranges = merkle.consistency_ranges(old_size, size)
        return ConsistencyProof(old_size, size, self._range_hashes(ranges, size))

    def _range_hashes(self, ranges: Sequence[merkle.LeafRange], size: int) -> tuple[bytes, ...]:
        # One query for every stored subtree the proof needs; the board's size is read only if some are missing.
        wanted = merkle.proof_subtrees(ranges)
        stored = self.storage.subtree_hashes(wanted, missing_ok=True)
        if len(stored) != len(wanted):
            if size > self.size:
                raise TreeSizeError(f"tree size {size} is beyond the board's {self.size} entries")
            raise StorageError(f"Merkle nodes missing from storage for a tree of size {size}")
        return tuple(merkle.range_hash(lo, hi, stored.__getitem__) for lo, hi in ranges)

    # --- witnesses ---------------------------------------------------------------------------------------------

    def add_cosignature(self, size: int, cosignature: Cosignature, witness_key: Ed25519PublicKey) -> None:
        """Keep a witness's cosignature of our tree head of ``size`` after checking it."""
        head = self.tree_head(size).head
        verify_cosignature(cosignature, head, witness_key)
        self.storage.put_cosignature(WitnessCosignature(size, public_key_bytes(witness_key), cosignature))

    def cosignatures(self, size: int | None = None) -> list[WitnessCosignature]:
        """Cosignatures kept for one tree size, or for all sizes."""
        return self.storage.cosignatures(size)

    def collect_cosignature(self, witness: Witness) -> Cosignature:
        """Show ``witness`` the latest tree head with a consistency proof from what it last cosigned, keep the
        cosignature. Raises what `Witness.cosign` raises (``split_view``, ``stale_tree_head``, ...)."""
        head = self.integrate()
        last = witness.last_cosigned()
        proof = None if last is None or last.size > head.size else self.consistency_proof(last.size, head.size)
        cosignature = witness.cosign(head, proof)
        self.add_cosignature(head.size, cosignature, witness.public_key)
        return cosignature

    # --- background integrator ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background integrator (a daemon thread)."""
        if self._integrator is not None:
            return
        self._stop.clear()
        self._integrator = threading.Thread(target=self._integrate_loop, name="board-integrator", daemon=True)
        self._integrator.start()

    def stop(self) -> None:
        """Stop the integrator and sign a last tree head."""
        if self._integrator is None:
            return
        self._stop.set()
        self._integrator.join()
        self._integrator = None
        self.integrate()

    def _integrate_loop(self) -> None:
        # Half the merge delay: an entry stored just after one run is signed by the next, within the delay.
        wait = self.max_merge_delay / 2
        while not self._stop.wait(wait):
            wait = self._integrate_once()

    def _integrate_once(self) -> float:
        """One integrator run; the seconds to wait before the next. A failure (the database restarting, a lost
        connection) must not end the thread, or no tree head would ever be signed again: it is logged and counted
        (`integrator_failures`, reported by readiness probes) and retried after a back-off of at most
        ``INTEGRATOR_MAX_BACKOFF`` seconds."""
        try:
            self.integrate()
        except Exception as e:  # any failure: the next run retries from what is stored
            self.integrator_failures += 1
            self.integrator_error = f"{type(e).__name__}: {e}"
            _log.warning("tree-head integrator failed (%d in a row): %s", self.integrator_failures, e)
            return min(self.max_merge_delay / 2 * 2.0**self.integrator_failures, INTEGRATOR_MAX_BACKOFF)
        if self.integrator_failures:
            _log.info("tree-head integrator recovered after %d failures", self.integrator_failures)
        self.integrator_failures = 0
        self.integrator_error = None
        return self.max_merge_delay / 2

    def __enter__(self) -> BulletinBoard:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

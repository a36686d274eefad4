"""Tracking code → board entry: the server's look-up index for receipt checks.

A convenience index beside the board (same database): the board itself is the record. Rows are written by a
background thread in batches (one transaction for many ballots) so the index costs a cast no disk flush of its
own; until a row is written, `find` answers from memory. A failed write (the database locked or restarting) is
kept in memory and retried every ``RETRY_SECONDS`` until it succeeds, so a look-up keeps finding the ballot meanwhile.
A row still in memory when the process dies is lost with it; `rebuild_missing` (run at start-up) finds every
ballot and challenged ballot on the board that has no row and indexes it again, so every receipt a server ever
handed out stays checkable after a crash.
"""

from __future__ import annotations

import queue
import threading
from typing import Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from bulletin_board.entries import EntryKind
from bulletin_board.storage import BoardStorage
from record.ballot import EncryptedBallot
from voting_server.logs import get_logger

_METADATA = sa.MetaData()
RECEIPT = sa.Table(
    "server_receipt",
    _METADATA,
    sa.Column("tracking_code", sa.String(32), primary_key=True),
    sa.Column("ballot_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
)
_BATCH: Final = 500
#: Seconds between retries of index rows whose write failed.
RETRY_SECONDS: Final = 1.0
_log = get_logger("receipts")
Row = tuple[bytes, int, str]


class ReceiptIndex:
    """The ``server_receipt`` table and its batching writer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _METADATA.create_all(engine)
        self._pending: dict[str, Row] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._failed: set[str] = set()  # only touched by the writer thread
        self._writer = threading.Thread(target=self._run, name="receipt-index", daemon=True)
        self._writer.start()

    def record(self, tracking_code: str, ballot_hash: bytes, entry_index: int, kind: str) -> None:
        """Remember where a tracking code's ballot is (idempotent); written in the background."""
        with self._lock:
            if tracking_code in self._pending:
                return
            self._pending[tracking_code] = (ballot_hash, entry_index, kind)
        self._queue.put(tracking_code)

    def find(self, tracking_code: str) -> Row | None:
        with self._lock:
            pending = self._pending.get(tracking_code)
        if pending is not None:
            return pending
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(RECEIPT).where(RECEIPT.c.tracking_code == tracking_code)).first()
        return None if row is None else (bytes(row.ballot_hash), int(row.entry_index), str(row.kind))

    def rebuild_missing(self, storage: BoardStorage) -> int:
        """Index every ballot and challenged ballot on the board that has no row (rows lost in a crash).

        Cheap when nothing is missing (two counts); otherwise one pass over the ballot entries. Returns how many
        rows were added.
        """
        kinds = (EntryKind.BALLOT.value, EntryKind.SPOILED_BALLOT.value)
        with self.engine.connect() as conn:
            indexed = int(conn.execute(sa.select(sa.func.count()).select_from(RECEIPT)).scalar_one())
        if storage.count_of_kinds(kinds) == indexed:
            return 0
        with self.engine.connect() as conn:
            known = {int(i) for (i,) in conn.execute(sa.select(RECEIPT.c.entry_index))}
        added = 0
        for stored in storage.iter_entries_of_kinds(kinds):
            entry = stored.entry
            if entry.index in known:
                continue
            spoiled = entry.kind is EntryKind.SPOILED_BALLOT
            ballot = EncryptedBallot.from_json(dict(entry.payload["ballot"] if spoiled else entry.payload))
            self.record(ballot.tracking_code(), ballot.ballot_hash(), entry.index, "spoiled" if spoiled else "ballot")
            added += 1
        self.flush()
        if added:
            _log.warning("receipt index rebuilt from the board", extra={"rows": added})
        return added

    def flush(self) -> None:
        """Wait until every recorded row is in the database."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=RETRY_SECONDS if self._failed else None)
            except queue.Empty:  # idle with rows to retry
                self._write([])
                continue
            codes = [first]
            while len(codes) < _BATCH:
                try:
                    codes.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = None in codes
            self._write([c for c in codes if c is not None])
            for _ in codes:
                self._queue.task_done()
            if stop:
                return

    def _insert(self, values: list[dict[str, object]]) -> None:
        # One INSERT ... ON CONFLICT DO NOTHING: it takes the write lock at once (a read first would make SQLite
        # refuse the upgrade under a concurrent writer) and ignores codes another worker recorded.
        dialect = self.engine.dialect.name
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        with self.engine.begin() as conn:
            conn.execute(insert(RECEIPT).on_conflict_do_nothing(index_elements=["tracking_code"]), values)

    def _write(self, codes: list[str]) -> None:
        """Write ``codes`` and every row whose earlier write failed; a failed row stays pending (found from memory)
        and is retried."""
        codes = list(dict.fromkeys([*self._failed, *codes]))
        if not codes:
            return
        with self._lock:
            rows = {c: self._pending[c] for c in codes if c in self._pending}
        values = [{"tracking_code": c, "ballot_hash": h, "entry_index": i, "kind": k} for c, (h, i, k) in rows.items()]
        try:
            self._insert(values)
        except Exception:  # the index is a convenience: never let it stop the writer; keep the rows and retry
            _log.exception("receipt index rows not written; retrying", extra={"rows": len(values)})
            self._failed.update(rows)
            return
        self._failed.clear()
        with self._lock:
            for code in rows:
                self._pending.pop(code, None)

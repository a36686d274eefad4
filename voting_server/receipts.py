"""Tracking code → board entry: the server's look-up index for receipt checks.

A convenience index beside the board (same database): the board itself is the record. Rows are written by a
background thread in batches (one transaction for many ballots) so the index costs a cast no disk flush of its
own; until a row is written, `find` answers from memory. A failed write (the database locked or restarting) is
kept in memory and retried every ``RETRY_SECONDS`` until it succeeds, so a look-up keeps finding the ballot meanwhile.
If a row were lost in a crash, the ballot is still on the board and in its export, where anyone finds it by
recomputing tracking codes.
"""

from __future__ import annotations

import queue
import threading
from typing import Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

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

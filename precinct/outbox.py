"""A device's local queue (SQLite): every record it signs waits here until the server has it.

The device writes a record to the outbox *before* it tries to send it, and marks it sent only with the board's
answer. `sync` sends what is unsent, in order, and stops at the first network failure: the records stay queued
and the next `sync` sends exactly the same bytes again. The server is idempotent on those bytes (same batch, same
answer; never twice on the board), so a sync interrupted at any point and repeated any number of times leaves one
copy of each record on the board.

The outbox also keeps the device's small state (its chain head, counters) in a key–value table, in the same
transaction as the record that changes it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from precinct.errors import LinkDownError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    local_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    answer TEXT
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (position INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL);
"""


@dataclass(frozen=True)
class QueuedRecord:
    local_id: int
    kind: str
    payload: dict[str, Any]
    answer: dict[str, Any] | None


Sender = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]


class Outbox:
    """The device's durable queue; ``path`` ``:memory:`` for tests."""

    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL survives a crash of the device's software; the scanner's own record file
        # (and the paper in the urn) cover a power cut in the last instant.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any],
        state: Mapping[str, Any] | None = None,
        *,
        take_pending: bool = False,
    ) -> int:
        """Queue a record (and update ``state`` keys; empty the pending items if ``take_pending``) in one
        transaction; returns its local id."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(
                    "INSERT INTO records (kind, payload) VALUES (?, ?)", (kind, json.dumps(dict(payload)))
                )
                self._put_state(state or {})
                if take_pending:
                    self._db.execute("DELETE FROM pending")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return int(cursor.lastrowid or 0)

    def _put_state(self, state: Mapping[str, Any]) -> None:
        for key, value in state.items():
            self._db.execute(
                "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def put_state(self, state: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._put_state(state)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def add_pending(self, item: Mapping[str, Any], state: Mapping[str, Any]) -> None:
        """Keep an item for the next record (e.g. an encrypted sheet for the next batch) with a state update."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT INTO pending (payload) VALUES (?)", (json.dumps(dict(item)),))
                self._put_state(state)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def pending_items(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT payload FROM pending ORDER BY position").fetchall()
        return [json.loads(r[0]) for r in rows]

    def state(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def records(self, *, unsent_only: bool = False) -> list[QueuedRecord]:
        query = "SELECT local_id, kind, payload, answer FROM records"
        if unsent_only:
            query += " WHERE answer IS NULL"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY local_id").fetchall()
        return [QueuedRecord(r[0], r[1], json.loads(r[2]), None if r[3] is None else json.loads(r[3])) for r in rows]

    def mark_sent(self, local_id: int, answer: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute("UPDATE records SET answer = ? WHERE local_id = ?", (json.dumps(dict(answer)), local_id))

    def pending(self) -> int:
        return len(self.records(unsent_only=True))

    def sync(self, send: Sender) -> list[dict[str, Any]]:
        """Send every unsent record in order with ``send(kind, payload)``; stop quietly at `LinkDownError`.

        Returns the answers received in this call. Any other error (a refusal) propagates: the record stays queued.
        """
        answers = []
        for record in self.records(unsent_only=True):
            try:
                answer = dict(send(record.kind, record.payload))
            except LinkDownError:
                break
            self.mark_sent(record.local_id, answer)
            answers.append(answer)
        return answers

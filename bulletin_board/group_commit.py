"""Group commit: many threads call `GroupCommitter.append`, one writer commits their entries together.

A web server appends one ballot per request; committing each in its own transaction costs one durable disk
flush per ballot. The committer's writer thread takes whatever is waiting (up to ``max_batch``), appends it
with one `BulletinBoard.append_many` — one transaction, one flush — and hands each caller its own promise.
Every caller still gets its promise only after the commit, so acknowledged still means durable.

If a batch is refused as a whole (one entry in the wrong phase, a duplicate dedup key), the writer retries its
entries one by one so that each caller gets its own result or its own error. All the work — encoding,
validation, signing, writing — happens in the writer thread: callers only wait, so they do not compete with it
for the interpreter lock.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Final

from bulletin_board.checkpoint import SignedPromise
from bulletin_board.entries import EntryKind
from bulletin_board.errors import BoardError
from bulletin_board.log import BulletinBoard, JsonObject

DEFAULT_MAX_BATCH: Final = 256


@dataclass
class _Pending:
    kind: EntryKind | str
    payload: JsonObject
    dedup_key: str | None
    result: Future[SignedPromise] = field(default_factory=Future)


class GroupCommitter:
    """Batches concurrent single appends to ``board`` (use one per process; ``close()`` when done)."""

    def __init__(self, board: BulletinBoard, *, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.board = board
        self.max_batch = max_batch
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._writer = threading.Thread(target=self._run, name="board-group-commit", daemon=True)
        self._closed = False
        self._writer.start()

    def append(self, kind: EntryKind | str, payload: JsonObject, *, dedup_key: str | None = None) -> SignedPromise:
        """Like `BulletinBoard.append`, batched with other threads' appends; blocks until committed."""
        if self._closed:
            raise RuntimeError("the group committer is closed")
        pending = _Pending(kind, payload, dedup_key)
        self._queue.put(pending)
        return pending.result.result()

    def close(self) -> None:
        """Commit what is queued, then stop the writer."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._writer.join()

    def __enter__(self) -> GroupCommitter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            promises = self.board.append_many(
                [(p.kind, p.payload) for p in batch], dedup_keys=[p.dedup_key for p in batch]
            )
        except BoardError as e:
            if len(batch) == 1:
                batch[0].result.set_exception(e)
            else:
                for p in batch:  # one caller's refusal must not become everyone's
                    self._commit([p])
            return
        except Exception as e:  # the database is down, say: every caller learns it
            for p in batch:
                p.result.set_exception(e)
            return
        for p, promise in zip(batch, promises, strict=True):
            p.result.set_result(promise)

"""Group commit: many threads call `GroupCommitter.append`, one writer commits their entries together.

A web server appends one ballot per request; committing each in its own transaction costs one durable disk
flush per ballot. The committer's writer thread takes whatever is waiting (up to ``max_batch``), appends it
with one `BulletinBoard.append_many` — one transaction, one flush — and hands each caller its own promise.
Every caller still gets its promise only after the commit, so acknowledged still means durable.

**Batches hide arrival order and time** (docs/spec/board.md, "Ballot batches"). With an ``interval`` (seconds)
the writer keeps a batch open until the next multiple of the interval on the wall clock, so every entry that
arrived in that interval is committed together, and it puts each batch in a uniformly random order drawn from
`secrets` (Fisher–Yates) before appending it. One transaction takes one time from the board's clock, so every
promise of a batch carries the same time: the board's positions and times then say in which interval a ballot
arrived, never when within it nor in which order. With ``interval=0`` the writer commits whatever is waiting at
once (still shuffled); ``interval=None`` commits only when `flush` is called (tests that simulate time).

If a batch is refused as a whole (one entry in the wrong phase, a duplicate dedup key), the writer retries its
entries one by one, in the batch's random order, so that each caller gets its own result or its own error. All the
work — encoding, validation, signing, writing — happens in the writer thread: callers only wait, so they do not
compete with it for the interpreter lock.
"""

from __future__ import annotations

import math
import queue
import secrets
import threading
import time
from collections.abc import Callable, MutableSequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Final, TypeVar

from bulletin_board.checkpoint import SignedPromise
from bulletin_board.entries import EntryKind
from bulletin_board.errors import BoardError
from bulletin_board.log import BulletinBoard, JsonObject

DEFAULT_MAX_BATCH: Final = 256
_T = TypeVar("_T")
_STOP: Final = object()
_NOTHING: Final = object()


def secret_shuffle(items: MutableSequence[_T]) -> None:
    """Put ``items`` in a uniformly random order, in place (Fisher–Yates with `secrets.randbelow`)."""
    for i in range(len(items) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        items[i], items[j] = items[j], items[i]


def shuffle_keeping_groups(batch: list[_Pending]) -> None:
    """`secret_shuffle` the batch, then put the members of each group back in arrival order on the positions the
    group drew: the positions stay random, and a credential's later ballot stays after its earlier one."""
    secret_shuffle(batch)
    positions: dict[str, list[int]] = {}
    for i, pending in enumerate(batch):
        if pending.group is not None:
            positions.setdefault(pending.group, []).append(i)
    for places in positions.values():
        members = sorted((batch[i] for i in places), key=lambda p: p.arrival)
        for i, member in zip(places, members, strict=True):
            batch[i] = member


@dataclass
class _Pending:
    kind: EntryKind | str
    payload: JsonObject
    dedup_key: str | None
    group: str | None = None
    arrival: int = 0
    result: Future[SignedPromise] = field(default_factory=Future)


class _Flush:
    """A request to commit what is waiting now; ``done`` is set once it is committed."""

    def __init__(self) -> None:
        self.done = threading.Event()


class GroupCommitter:
    """Batches concurrent single appends to ``board`` (use one per process; ``close()`` when done).

    ``interval``: seconds a batch stays open, aligned on the wall clock (``0``: commit at once; ``None``: only on
    `flush`). ``wall_clock`` (seconds) is for tests of the timed path.
    """

    def __init__(
        self,
        board: BulletinBoard,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        interval: float | None = 0.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if interval is not None and (interval < 0 or not math.isfinite(interval)):
            raise ValueError("the batch interval is a non-negative number of seconds")
        self.board = board
        self.max_batch = max_batch
        self.interval = interval
        self._wall_clock = wall_clock
        self._queue: queue.Queue[_Pending | _Flush | None] = queue.Queue()
        self._waiting = 0  # appends queued and not yet committed (for `waiting`)
        self._arrivals = 0  # appends ever queued: the arrival number of the next one
        self._count_lock = threading.Lock()
        self._writer = threading.Thread(target=self._run, name="board-group-commit", daemon=True)
        self._closed = False
        self._writer.start()

    @property
    def waiting(self) -> int:
        """How many appends are queued and not yet committed."""
        with self._count_lock:
            return self._waiting

    def append(
        self, kind: EntryKind | str, payload: JsonObject, *, dedup_key: str | None = None, group: str | None = None
    ) -> SignedPromise:
        """Like `BulletinBoard.append`, batched with other threads' appends; blocks until committed.

        Appends of one ``group`` (a credential's ballots, where the last one counts) keep their arrival order among
        themselves inside a batch; everything else in the batch is in a random order."""
        return self.submit(kind, payload, dedup_key=dedup_key, group=group).result()

    def submit(
        self, kind: EntryKind | str, payload: JsonObject, *, dedup_key: str | None = None, group: str | None = None
    ) -> Future[SignedPromise]:
        """`append` without waiting: the future holds the promise (or the error) once the batch is committed, so an
        asynchronous server need not hold a thread for each cast waiting for the end of its interval."""
        if self._closed:
            raise RuntimeError("the group committer is closed")
        with self._count_lock:
            self._waiting += 1
            self._arrivals += 1
            pending = _Pending(kind, payload, dedup_key, group, self._arrivals)
        self._queue.put(pending)
        return pending.result

    def flush(self) -> None:
        """Commit everything queued before this call now (ending the open batch early); returns once committed.
        The close of voting calls it, so no ballot accepted before the close is left out."""
        if self._closed:
            return
        request = _Flush()
        self._queue.put(request)
        request.done.wait()

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

    def _batch_deadline(self) -> float | None:
        """The wall-clock second the open batch closes (the next multiple of the interval), or None (flush only)."""
        if self.interval is None:
            return None
        if self.interval == 0:
            return 0.0
        return (math.floor(self._wall_clock() / self.interval) + 1) * self.interval

    def _run(self) -> None:
        batch: list[_Pending] = []
        deadline: float | None = None
        while True:
            if not batch:
                item = self._queue.get()
                deadline = self._batch_deadline()
            else:
                timeout = None if deadline is None else max(0.0, deadline - self._wall_clock())
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:  # the interval ended: commit the batch
                    self._commit_batch(batch)
                    batch = []
                    continue
            control: object = _STOP if item is None else item
            if isinstance(item, _Pending):
                batch.append(item)
                if deadline is None or deadline > self._wall_clock():
                    continue
                control = self._drain(batch)  # interval 0 (or a late wake-up): take what is waiting, then commit
            self._commit_batch(batch)
            batch = []
            if isinstance(control, _Flush):
                control.done.set()
            elif control is _STOP:
                return

    def _drain(self, batch: list[_Pending]) -> object:
        """Move the appends already queued into ``batch``; the control request met behind them (a flush, the stop),
        or ``_NOTHING`` if the queue ran empty."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return _NOTHING
            if not isinstance(item, _Pending):
                return _STOP if item is None else item
            batch.append(item)

    def _commit_batch(self, batch: list[_Pending]) -> None:
        if not batch:
            return
        shuffle_keeping_groups(batch)
        for start in range(0, len(batch), self.max_batch):
            self._commit(batch[start : start + self.max_batch])
        with self._count_lock:
            self._waiting -= len(batch)

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

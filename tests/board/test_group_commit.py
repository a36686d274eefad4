"""Group commit: concurrent single appends share transactions, yet each caller gets its own result."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from bulletin_board import merkle
from bulletin_board.checkpoint import SignedPromise, verify_promise
from bulletin_board.errors import DuplicateEntryError, InvalidEntryError, WrongPhaseError
from bulletin_board.group_commit import GroupCommitter
from bulletin_board.log import BulletinBoard


def _voting(board: BulletinBoard) -> None:
    board.append_many([("manifest", {}), ("trustee_commitment", {})])
    board.append_many([("joint_key", {}), ("channels_open", {})])


def test_threads_each_get_their_own_promise(board: BulletinBoard) -> None:
    _voting(board)
    with GroupCommitter(board, max_batch=16) as committer, ThreadPoolExecutor(8) as pool:
        promises = list(pool.map(lambda n: committer.append("ballot", {"n": n}), range(120)))
    assert sorted(p.index for p in promises) == list(range(4, 124))
    for n, promise in enumerate(promises):
        verify_promise(promise, board.public_key)
        assert board.entry(promise.index).payload == {"n": n}
    leaves = [e.entry_hash for e in board.entries(0, board.size)]
    assert board.integrate().root_hash == merkle.root(leaves)


def test_one_refused_append_does_not_sink_the_batch(board: BulletinBoard) -> None:
    _voting(board)
    board.append("ballot", {"first": True}, dedup_key="credential:1")

    def attempt(n: int) -> SignedPromise | Exception:
        try:
            if n == 7:
                return committer.append("ballot", {"again": True}, dedup_key="credential:1")
            if n == 13:
                return committer.append("manifest", {"second": True})
            return committer.append("ballot", {"n": n})
        except Exception as e:
            return e

    with GroupCommitter(board) as committer, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(40)))
    assert isinstance(results[7], DuplicateEntryError)
    assert isinstance(results[13], WrongPhaseError)
    assert sum(isinstance(r, SignedPromise) for r in results) == 38
    assert board.size == 5 + 38


def test_malformed_payload_refused_to_its_caller_only(board: BulletinBoard) -> None:
    _voting(board)
    with GroupCommitter(board) as committer, pytest.raises(InvalidEntryError):
        committer.append("ballot", {"x": 0.5})
    assert board.size == 4


def _queue(
    committer: GroupCommitter, pool: ThreadPoolExecutor, payloads: list[dict[str, int]]
) -> list[Future[SignedPromise]]:
    """Append ``payloads`` one after the other (each queued before the next is sent), without waiting for them."""
    futures = []
    for payload in payloads:
        futures.append(pool.submit(committer.append, "ballot", payload))
        while committer.waiting < len(futures):  # queued in this order: the arrival order
            time.sleep(0.001)
    return futures


def test_a_batch_is_committed_in_a_random_order_with_one_time(board: BulletinBoard) -> None:
    """A batch of 40 appends queued in order is on the board in another order (40! orders: the chance that a random
    one is the arrival order is nil), and every promise of the batch carries the same time."""
    _voting(board)
    with GroupCommitter(board, interval=None) as committer, ThreadPoolExecutor(40) as pool:
        futures = _queue(committer, pool, [{"n": n} for n in range(40)])
        assert board.size == 4  # nothing committed before the batch ends
        committer.flush()
        promises = [f.result() for f in futures]
    order = [board.entry(i).payload["n"] for i in range(4, 44)]
    assert sorted(order) == list(range(40))
    assert order != list(range(40))
    assert len({p.timestamp for p in promises}) == 1


def test_batches_follow_the_interval_on_the_wall_clock(board: BulletinBoard) -> None:
    """With an interval, appends wait for the end of their interval: two appends 0.1 s apart inside one 0.5 s
    interval are committed together."""
    _voting(board)
    with GroupCommitter(board, interval=0.5) as committer, ThreadPoolExecutor(4) as pool:
        while time.time() % 0.5 > 0.2:  # start early in an interval, so both fall into it
            time.sleep(0.01)
        first = pool.submit(committer.append, "ballot", {"n": 1})
        time.sleep(0.1)
        assert not first.done()
        second = pool.submit(committer.append, "ballot", {"n": 2})
        a, b = first.result(timeout=5), second.result(timeout=5)
    assert a.timestamp == b.timestamp


def test_a_flush_commits_the_open_batch_before_its_interval_ends(board: BulletinBoard) -> None:
    _voting(board)
    with GroupCommitter(board, interval=3600.0) as committer, ThreadPoolExecutor(4) as pool:
        futures = _queue(committer, pool, [{"n": n} for n in range(3)])
        committer.flush()
        assert board.size == 7
        assert all(f.result(timeout=5) for f in futures)


def test_a_credentials_ballots_keep_their_order_inside_a_batch(board: BulletinBoard) -> None:
    """Where re-voting counts the last ballot, a voter's ballots cast within one interval stay in the order she cast
    them (twenty runs: without the rule a shuffled batch puts them out of order in most)."""
    _voting(board)
    for _ in range(20):
        start = board.size
        with GroupCommitter(board, interval=None) as committer, ThreadPoolExecutor(12) as pool:
            futures = []
            for n in range(12):
                group = "credential-a" if n % 4 == 0 else None
                futures.append(pool.submit(committer.append, "ballot", {"n": n, "run": start}, group=group))
                while committer.waiting < len(futures):
                    time.sleep(0.001)
            committer.flush()
            for f in futures:
                f.result(timeout=5)
        order = [board.entry(i).payload["n"] for i in range(start, board.size)]
        assert [n for n in order if n % 4 == 0] == [0, 4, 8]

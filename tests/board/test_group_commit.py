"""Group commit: concurrent single appends share transactions, yet each caller gets its own result."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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

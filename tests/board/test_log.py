"""The board as a log: promises, tree heads, proofs from stored hashes, lookups; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bulletin_board import merkle
from bulletin_board.checkpoint import SignedPromise, SignedTreeHead, verify_promise, verify_tree_head
from bulletin_board.entries import Entry, EntryKind
from bulletin_board.errors import (
    DuplicateEntryError,
    EntryNotFoundError,
    InclusionProofError,
    InvalidEntryError,
    TreeSizeError,
)
from bulletin_board.log import BulletinBoard
from bulletin_board.phases import Phase


def _to_voting(board: BulletinBoard) -> None:
    board.append_many(
        [
            ("manifest", {"election": "parliament-2026"}),
            ("trustee_commitment", {"trustee": 1}),
            ("joint_key", {"key": "00"}),
            ("issuer_keys", {"styles": []}),
            ("channels_open", {}),
        ]
    )


def test_append_returns_a_verifiable_promise(board: BulletinBoard) -> None:
    promise = board.append("manifest", {"election": "parliament-2026"})
    verify_promise(promise, board.public_key)
    assert promise.index == 0
    assert promise.entry_hash == board.entry(0).entry_hash
    assert SignedPromise.from_text(promise.to_text()) == promise
    assert board.promise(0) == promise


def test_every_entry_is_in_the_signed_tree_head(board: BulletinBoard) -> None:
    _to_voting(board)
    board.append_many([("ballot", {"n": i}) for i in range(37)])
    sth = board.integrate()
    verify_tree_head(sth, board.public_key)
    assert SignedTreeHead.from_text(sth.to_text()) == sth
    assert sth.size == 42
    leaves = [e.entry_hash for e in board.entries(0, 42)]
    assert sth.root_hash == merkle.root(leaves)
    for i in range(42):
        proof = board.inclusion_proof(i)
        assert list(proof.hashes) == merkle.inclusion_proof(leaves, i)
        proof.verify_entry(board.entry(i), sth)
    by_hash = board.inclusion_proof(leaves[17])
    assert by_hash.index == 17


def test_consistency_between_every_pair_of_sizes(board: BulletinBoard) -> None:
    _to_voting(board)
    heads = [board.integrate()]
    for batch in (1, 2, 5, 8, 13):
        board.append_many([("ballot", {"b": batch, "i": i}) for i in range(batch)])
        heads.append(board.integrate())
    for old in heads:
        for new in heads:
            if old.size <= new.size:
                board.consistency_proof(old.size, new.size).verify_heads(old, new)


def test_proof_for_an_older_tree_size(board: BulletinBoard) -> None:
    _to_voting(board)
    old = board.integrate()
    board.append_many([("ballot", {"i": i}) for i in range(10)])
    board.integrate()
    board.inclusion_proof(2, old.size).verify_entry(board.entry(2), old)
    with pytest.raises(InclusionProofError):
        board.inclusion_proof(2).verify_entry(board.entry(2), old)


def test_proof_beyond_the_board_refused(board: BulletinBoard) -> None:
    _to_voting(board)
    with pytest.raises(TreeSizeError):
        board.inclusion_proof(0, 99)
    with pytest.raises(TreeSizeError):
        board.inclusion_proof(7, 5)
    with pytest.raises(TreeSizeError):
        board.consistency_proof(6, 5)
    with pytest.raises(EntryNotFoundError):
        board.inclusion_proof(b"\x00" * 32)


def test_lookups(board: BulletinBoard) -> None:
    _to_voting(board)
    promise = board.append("ballot", {"tracking": "abc"}, dedup_key="credential:1")
    found = board.find_by_hash(promise.entry_hash)
    assert found == Entry.create(5, EntryKind.BALLOT, {"tracking": "abc"})
    assert board.find_by_payload("ballot", {"tracking": "abc"}) == found
    assert board.find_by_dedup_key("credential:1") == found
    assert board.find_by_hash(b"\x01" * 32) is None
    with pytest.raises(EntryNotFoundError):
        board.entry(99)


def test_duplicate_dedup_key_refused_and_nothing_written(board: BulletinBoard) -> None:
    _to_voting(board)
    board.append("ballot", {"v": 1}, dedup_key="credential:7")
    with pytest.raises(DuplicateEntryError) as caught:
        board.append_many([("ballot", {"v": 2}), ("ballot", {"v": 3})], dedup_keys=[None, "credential:7"])
    assert caught.value.code == "duplicate_entry"
    assert board.size == 6
    with pytest.raises(DuplicateEntryError):
        board.append_many([("ballot", {"v": 2}), ("ballot", {"v": 3})], dedup_keys=["k", "k"])
    assert board.size == 6


def test_unparseable_entry_refused_and_nothing_written(board: BulletinBoard) -> None:
    _to_voting(board)
    for kind, payload in (("no_such_kind", {}), ("ballot", ["not", "an", "object"]), ("ballot", {"x": 1.5})):
        with pytest.raises(InvalidEntryError) as caught:
            board.append_many([("ballot", {"ok": True}), (kind, payload)])  # type: ignore[list-item]
        assert caught.value.code == "invalid_entry"
    assert board.size == 5
    assert board.phase is Phase.VOTING


def test_tree_head_times_never_go_backwards(open_board_storage, log_key) -> None:  # type: ignore[no-untyped-def]
    times = iter(range(10_000, 0, -100))  # a clock that runs backwards
    board = BulletinBoard(open_board_storage(), log_key, origin="cec.shailoo.kg/t", clock=lambda: next(times))
    board.append("manifest", {})
    first = board.integrate()
    board.append("trustee_commitment", {})
    second = board.integrate()
    assert second.timestamp >= first.timestamp


def test_background_integrator_signs_new_entries(open_board_storage, log_key) -> None:  # type: ignore[no-untyped-def]
    board = BulletinBoard(open_board_storage(), log_key, origin="cec.shailoo.kg/t", max_merge_delay=0.05)
    with board:
        board.append("manifest", {})
        import time

        deadline = time.monotonic() + 10
        while board.storage.tree_head() is None or board.storage.tree_head().size < 1:  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "integrator never signed the appended entry"
            time.sleep(0.01)
    assert board.tree_head().size == 1

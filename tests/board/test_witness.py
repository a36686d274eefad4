"""Witnesses cosign only append-only growth; a split view is refused and both signed heads are kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board import merkle
from bulletin_board.checkpoint import TreeHead, sign_tree_head, verify_cosignature
from bulletin_board.errors import (
    ConsistencyProofError,
    InvalidCheckpointError,
    SplitViewError,
    StaleTreeHeadError,
    StorageError,
)
from bulletin_board.log import BulletinBoard
from bulletin_board.proofs import ConsistencyProof
from bulletin_board.witness import MemoryWitnessStore, Witness, WitnessStore, compare_heads
from bulletin_board.witness_store import FileWitnessStore

ORIGIN = "cec.shailoo.kg/board/test"
LOG_KEY = Ed25519PrivateKey.generate()
LEAVES = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(40)]


def _head(size: int, leaves: list[bytes] = LEAVES, key: Ed25519PrivateKey = LOG_KEY, origin: str = ORIGIN):  # type: ignore[no-untyped-def]
    return sign_tree_head(TreeHead(origin, size, merkle.root(leaves[:size]), 1000 + size), key)


def _proof(old: int, new: int, leaves: list[bytes] = LEAVES) -> ConsistencyProof:
    return ConsistencyProof(old, new, tuple(merkle.consistency_proof(leaves[:new], old)))


def _witness(store: WitnessStore | None = None) -> Witness:
    return Witness(
        "observer.example",
        Ed25519PrivateKey.generate(),
        log_origin=ORIGIN,
        log_key=LOG_KEY.public_key(),
        store=store or MemoryWitnessStore(),
        clock=lambda: 5000,
    )


def test_cosigns_growth_with_a_valid_consistency_proof() -> None:
    witness = _witness()
    first = witness.cosign(_head(5), None)
    verify_cosignature(first, _head(5).head, witness.public_key)
    witness.cosign(_head(17), _proof(5, 17))
    assert witness.last_cosigned() == _head(17)


def test_refuses_a_smaller_tree() -> None:
    witness = _witness()
    witness.cosign(_head(10), None)
    with pytest.raises(StaleTreeHeadError) as caught:
        witness.cosign(_head(9), None)
    assert caught.value.code == "stale_tree_head"
    assert witness.last_cosigned() == _head(10)


def test_split_view_same_size_different_root_kept_as_evidence() -> None:
    witness = _witness()
    honest = _head(8)
    witness.cosign(honest, None)
    forked = [*LEAVES[:7], merkle.leaf_hash(b"a different ballot")]
    fork = _head(8, forked)
    with pytest.raises(SplitViewError) as caught:
        witness.cosign(fork, None)
    assert caught.value.code == "split_view"
    [evidence] = witness.store.evidence()
    assert (evidence.first, evidence.second, evidence.reason) == (honest, fork, "same_size")
    assert witness.last_cosigned() == honest


def test_fork_at_a_larger_size_refused_without_a_consistent_proof() -> None:
    witness = _witness()
    witness.cosign(_head(8), None)
    forked = [*LEAVES[:3], merkle.leaf_hash(b"rewritten"), *LEAVES[4:]]
    fork = _head(20, forked)
    with pytest.raises(ConsistencyProofError):
        witness.cosign(fork, _proof(8, 20, forked))
    assert witness.store.evidence()[0].reason == "inconsistent"
    with pytest.raises(ConsistencyProofError):
        witness.cosign(fork, None)
    assert witness.last_cosigned() == _head(8)


def test_head_signed_by_another_key_refused() -> None:
    witness = _witness()
    with pytest.raises(InvalidCheckpointError):
        witness.cosign(_head(3, key=Ed25519PrivateKey.generate()), None)
    with pytest.raises(InvalidCheckpointError):
        witness.cosign(_head(3, origin="impostor.example"), None)
    assert witness.last_cosigned() is None


def test_same_head_twice_is_cosigned_again() -> None:
    """A log re-sending the head the witness already cosigned (a retry) gets the cosignature again: the same size
    with the same root is no split view and needs no consistency proof."""
    witness = _witness()
    first = witness.cosign(_head(4), None)
    again = witness.cosign(_head(4), None)
    verify_cosignature(again, _head(4).head, witness.public_key)
    assert again == first  # same head, same clock: Ed25519 signs it to the same bytes
    assert witness.last_cosigned() == _head(4)
    assert witness.store.evidence() == []


def test_file_store_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "witness.json"
    witness = _witness(FileWitnessStore(path))
    witness.cosign(_head(6), None)
    with pytest.raises(SplitViewError):
        witness.cosign(_head(6, [*LEAVES[:5], merkle.leaf_hash(b"x")]), None)
    restarted = _witness(FileWitnessStore(path))
    assert restarted.last_cosigned() == _head(6)
    assert len(restarted.store.evidence()) == 1
    with pytest.raises(StaleTreeHeadError):
        restarted.cosign(_head(2), None)


def test_board_collects_cosignatures(board: BulletinBoard) -> None:
    witness = Witness(
        "observer.example",
        Ed25519PrivateKey.generate(),
        log_origin=board.origin,
        log_key=board.public_key,
        store=MemoryWitnessStore(),
        clock=lambda: 1,
    )
    board.append("manifest", {})
    board.collect_cosignature(witness)
    board.append_many([("trustee_commitment", {"t": i}) for i in range(6)])
    board.collect_cosignature(witness)
    logged = board.cosignatures()
    assert [c.size for c in logged] == [1, 7]
    for c in logged:
        c.verify(board.tree_head(c.size).head)


def test_gossip_between_witnesses_reveals_a_split_view() -> None:
    """The log shows one history to one witness and another to the other; comparing their heads catches it."""
    alice, bob = _witness(), _witness()
    forked = [*LEAVES[:10], *(merkle.leaf_hash(b"other" + bytes([i])) for i in range(30))]
    alice.cosign(_head(12), None)
    bob.cosign(_head(12, forked), None)  # each witness alone sees nothing wrong
    a, b = alice.last_cosigned(), bob.last_cosigned()
    assert a is not None and b is not None
    with pytest.raises(SplitViewError) as caught:
        compare_heads(a, b, LOG_KEY.public_key(), None)
    assert caught.value.evidence.reason == "same_size"
    rewritten = [*LEAVES[:5], *(merkle.leaf_hash(b"rewritten" + bytes([i])) for i in range(35))]
    with pytest.raises(SplitViewError) as inconsistent:  # the best proof the log has is for its other history
        compare_heads(_head(10), _head(20, rewritten), LOG_KEY.public_key(), _proof(10, 20, rewritten))
    assert inconsistent.value.evidence.reason == "inconsistent"
    compare_heads(_head(10), _head(20), LOG_KEY.public_key(), _proof(10, 20))
    compare_heads(_head(20), _head(20), LOG_KEY.public_key(), None)


def test_the_state_file_pins_one_log_and_refuses_another(tmp_path: Path) -> None:
    store = FileWitnessStore(tmp_path / "state.json")
    assert store.pinned_log() is None
    key = bytes(range(32))
    store.pin_log("cec.shailoo.kg/board", key)
    store.pin_log("cec.shailoo.kg/board", key)  # the same log again: nothing changes
    with pytest.raises(StorageError):
        store.pin_log("cec.shailoo.kg/board", bytes(32))
    assert FileWitnessStore(tmp_path / "state.json").pinned_log() == ("cec.shailoo.kg/board", key)

"""RFC 9162 Merkle hashing and proofs: the CT published data, malformed proofs, and random-size properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin_board import merkle
from bulletin_board.errors import ConsistencyProofError, InclusionProofError

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rfc9162" / "ct_merkle_tree.json"


def _load() -> dict[str, Any]:
    return json.loads(VECTORS.read_text())


CT = _load()
LEAVES = [bytes.fromhex(x) for x in CT["leaf_inputs_hex"]]
LEAF_HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def _hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _flip(data: bytes, byte: int, bit: int = 0) -> bytes:
    return data[:byte] + bytes([data[byte] ^ (1 << bit)]) + data[byte + 1 :]


# --- published data ----------------------------------------------------------------------------------------------


def test_ct_leaf_and_node_hashes() -> None:
    nodes = merkle.new_subtree_hashes(0, {}, LEAF_HASHES)
    for level, row in enumerate(CT["node_hashes_by_level"]):
        for idx, h in enumerate(row):
            assert nodes[(level, idx)] == bytes.fromhex(h)


@pytest.mark.parametrize("size", range(9))
def test_ct_roots_for_every_size(size: int) -> None:
    expected = bytes.fromhex(CT["roots_by_size"][size])
    assert merkle.root(LEAF_HASHES[:size]) == expected
    nodes = merkle.new_subtree_hashes(0, {}, LEAF_HASHES[:size])
    assert merkle.range_hash(0, size, nodes.__getitem__) == expected


@pytest.mark.parametrize("case", CT["inclusion"], ids=lambda c: f"{c['index']}of{c['size']}")
def test_ct_inclusion_vectors(case: dict[str, Any]) -> None:
    proof = [bytes.fromhex(p) for p in case["proof"]]
    leaf, root = bytes.fromhex(case["leaf_hash"]), bytes.fromhex(case["root"])
    merkle.verify_inclusion(leaf, case["index"], case["size"], proof, root)
    assert merkle.inclusion_proof(LEAF_HASHES[: case["size"]], case["index"]) == proof


@pytest.mark.parametrize("case", CT["consistency"], ids=lambda c: f"{c['size1']}to{c['size2']}")
def test_ct_consistency_vectors(case: dict[str, Any]) -> None:
    proof = [bytes.fromhex(p) for p in case["proof"]]
    root1, root2 = bytes.fromhex(case["root1"]), bytes.fromhex(case["root2"])
    merkle.verify_consistency(case["size1"], case["size2"], root1, root2, proof)
    assert merkle.consistency_proof(LEAF_HASHES[: case["size2"]], case["size1"]) == proof


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.root([]) == bytes.fromhex(CT["roots_by_size"][0])


# --- malformed proofs --------------------------------------------------------------------------------------------

EIGHT = LEAF_HASHES
ROOT8 = merkle.root(EIGHT)


def test_index_equal_to_size_rejected() -> None:
    proof = merkle.inclusion_proof(EIGHT, 7)
    with pytest.raises(InclusionProofError):
        merkle.verify_inclusion(EIGHT[7], 8, 8, proof, ROOT8)


def test_negative_index_rejected() -> None:
    with pytest.raises(InclusionProofError):
        merkle.verify_inclusion(EIGHT[0], -1, 8, merkle.inclusion_proof(EIGHT, 0), ROOT8)


def test_extra_path_node_rejected() -> None:
    proof = merkle.inclusion_proof(EIGHT, 3)
    for position in range(len(proof) + 1):
        padded = [*proof[:position], merkle.EMPTY_ROOT, *proof[position:]]
        with pytest.raises(InclusionProofError):
            merkle.verify_inclusion(EIGHT[3], 3, 8, padded, ROOT8)


def test_missing_path_node_rejected() -> None:
    proof = merkle.inclusion_proof(EIGHT, 3)
    for position in range(len(proof)):
        with pytest.raises(InclusionProofError):
            merkle.verify_inclusion(EIGHT[3], 3, 8, proof[:position] + proof[position + 1 :], ROOT8)


def test_inner_node_presented_as_leaf_rejected() -> None:
    """Second-preimage attempt: an interior node (or its children's bytes) passed off as a leaf."""
    nodes = merkle.new_subtree_hashes(0, {}, EIGHT)
    inner = nodes[(1, 0)]  # covers leaves 0 and 1
    short_proof = merkle.inclusion_proof(EIGHT, 0)[1:]  # the path above that node
    with pytest.raises(InclusionProofError):  # as a leaf hash at index 0: the path is one node short
        merkle.verify_inclusion(inner, 0, 8, short_proof, ROOT8)
    with pytest.raises(InclusionProofError):  # as the 4-leaf tree it would be in, the root changes
        merkle.verify_inclusion(inner, 0, 4, short_proof[:1], ROOT8)
    as_leaf = merkle.leaf_hash(EIGHT[0] + EIGHT[1])  # the leaf prefix separates it from node_hash
    assert as_leaf != inner
    with pytest.raises(InclusionProofError):
        merkle.verify_inclusion(as_leaf, 0, 4, short_proof[:1], merkle.root(EIGHT[:4]))


def test_wrong_length_hashes_rejected() -> None:
    proof = merkle.inclusion_proof(EIGHT, 2)
    with pytest.raises(InclusionProofError):
        merkle.verify_inclusion(EIGHT[2][:31], 2, 8, proof, ROOT8)
    with pytest.raises(InclusionProofError):
        merkle.verify_inclusion(EIGHT[2], 2, 8, [*proof[:-1], proof[-1] + b"\x00"], ROOT8)


def test_consistency_old_larger_than_new_rejected() -> None:
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(8, 7, ROOT8, merkle.root(EIGHT[:7]), [])


def test_consistency_same_size_different_roots_rejected() -> None:
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(8, 8, ROOT8, merkle.root(EIGHT[:7]), [])


def test_consistency_swapped_roots_rejected() -> None:
    proof = merkle.consistency_proof(EIGHT, 3)
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(3, 8, ROOT8, merkle.root(EIGHT[:3]), proof)


def test_consistency_extra_and_missing_nodes_rejected() -> None:
    proof = merkle.consistency_proof(EIGHT, 3)
    root3 = merkle.root(EIGHT[:3])
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(3, 8, root3, ROOT8, [*proof, merkle.EMPTY_ROOT])
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(3, 8, root3, ROOT8, proof[:-1])
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(3, 8, root3, ROOT8, [])


def test_consistency_from_empty_tree() -> None:
    merkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, ROOT8, [])
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(0, 8, ROOT8, ROOT8, [])


# --- properties --------------------------------------------------------------------------------------------------

sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=60, deadline=None)
@given(size=sizes, data=st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_byte_fails(size: int, data: st.DataObject) -> None:
    hashes = _hashes(size)
    index = data.draw(st.integers(0, size - 1))
    root = merkle.root(hashes)
    proof = merkle.inclusion_proof(hashes, index)
    merkle.verify_inclusion(hashes[index], index, size, proof, root)
    stored = merkle.new_subtree_hashes(0, {}, hashes)
    assert proof == [merkle.range_hash(lo, hi, stored.__getitem__) for lo, hi in merkle.inclusion_ranges(index, size)]
    byte, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    with pytest.raises(InclusionProofError):
        merkle.verify_inclusion(_flip(hashes[index], byte, bit), index, size, proof, root)
    with pytest.raises(InclusionProofError):
        merkle.verify_inclusion(hashes[index], index, size, proof, _flip(root, byte, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        with pytest.raises(InclusionProofError):
            merkle.verify_inclusion(
                hashes[index], index, size, [*proof[:k], _flip(proof[k], byte, bit), *proof[k + 1 :]], root
            )
    other = data.draw(st.integers(0, size - 1))
    if other != index:
        with pytest.raises(InclusionProofError):
            merkle.verify_inclusion(hashes[index], other, size, proof, root)


@settings(max_examples=60, deadline=None)
@given(size=sizes, data=st.data())
def test_every_consistency_proof_verifies_and_any_flipped_byte_fails(size: int, data: st.DataObject) -> None:
    hashes = _hashes(size)
    old = data.draw(st.integers(1, size))
    old_root, new_root = merkle.root(hashes[:old]), merkle.root(hashes)
    proof = merkle.consistency_proof(hashes, old)
    merkle.verify_consistency(old, size, old_root, new_root, proof)
    stored = merkle.new_subtree_hashes(0, {}, hashes)
    assert proof == [merkle.range_hash(lo, hi, stored.__getitem__) for lo, hi in merkle.consistency_ranges(old, size)]
    byte, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(old, size, _flip(old_root, byte, bit), new_root, proof)
    with pytest.raises(ConsistencyProofError):
        merkle.verify_consistency(old, size, old_root, _flip(new_root, byte, bit), proof)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        with pytest.raises(ConsistencyProofError):
            merkle.verify_consistency(
                old, size, old_root, new_root, [*proof[:k], _flip(proof[k], byte, bit), *proof[k + 1 :]]
            )


@settings(max_examples=40, deadline=None)
@given(size=st.integers(0, 200), data=st.data())
def test_incremental_subtrees_match_one_batch(size: int, data: st.DataObject) -> None:
    hashes = _hashes(size)
    cut = data.draw(st.integers(0, size))
    first = merkle.new_subtree_hashes(0, {}, hashes[:cut])
    frontier = {s: first[s] for s in merkle.subtree_cover(0, cut)}
    second = merkle.new_subtree_hashes(cut, frontier, hashes[cut:])
    assert {**first, **second} == merkle.new_subtree_hashes(0, {}, hashes)

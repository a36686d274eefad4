"""RFC 9162 Merkle tree hashing and proofs (docs/spec/board.md, "Merkle tree"). Pure: no I/O.

Hashing (RFC 9162 §2.1.1), SHA-256:

* ``leaf_hash(d) = SHA-256(0x00 || d)`` and ``node_hash(l, r) = SHA-256(0x01 || l || r)``;
* ``MTH({}) = SHA-256("")``; ``MTH(D[n])`` splits at ``k``, the largest power of two smaller than ``n``.

Proofs (RFC 9162 §2.1.3, §2.1.4) are lists of 32-byte hashes, deepest first. Every proof element is the
hash of a *range* of leaves ``[start, end)`` produced by the RFC's recursive split; `inclusion_ranges` and
`consistency_ranges` give those ranges, so a log can fetch O(log n) stored hashes instead of rebuilding the
tree. A stored tree keeps every *perfect subtree* ``(level, idx)`` covering leaves
``[idx * 2**level, (idx + 1) * 2**level)``; `subtree_cover` names the perfect subtrees whose right fold is
the hash of a range, and `new_subtree_hashes` computes the perfect subtrees completed by appended leaves.

`verify_inclusion` and `verify_consistency` return ``None`` or raise `InclusionProofError` /
`ConsistencyProofError` (codes ``invalid_inclusion_proof`` / ``invalid_consistency_proof``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

from bulletin_board.errors import ConsistencyProofError, InclusionProofError

HASH_SIZE: Final = 32
LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"
#: MTH of the empty tree: SHA-256 of the empty string.
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()

#: A perfect subtree: ``(level, idx)`` covers leaves ``[idx << level, (idx + 1) << level)``.
Subtree = tuple[int, int]
#: A range of leaves ``[start, end)``.
LeafRange = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """``k``: the largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str, error: type[InclusionProofError | ConsistencyProofError]) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise error(f"{what} must be {HASH_SIZE} bytes")


# --- ranges: which leaf ranges a proof is made of --------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[LeafRange]:
    """The leaf ranges whose hashes form ``PATH(index, D[size])``, deepest first (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise InclusionProofError(f"leaf index {index} is outside a tree of size {size}")
    top_down: list[LeafRange] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo += k
    top_down.reverse()
    return top_down


def consistency_ranges(old_size: int, new_size: int) -> list[LeafRange]:
    """The leaf ranges whose hashes form ``PROOF(old_size, D[new_size])``, deepest first (RFC 9162 §2.1.4.1).

    The proof is empty when ``old_size`` is 0 or equals ``new_size``.
    """
    if not 0 <= old_size <= new_size:
        raise ConsistencyProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    top_down: list[LeafRange] = []
    lo, hi, m = 0, new_size, old_size
    whole_old_tree = True  # RFC's flag b: D[0:m] is a prefix the verifier already knows
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo += k
            m -= k
            whole_old_tree = False
    if not whole_old_tree:
        top_down.append((lo, hi))
    top_down.reverse()
    return top_down


def subtree_cover(start: int, end: int) -> list[Subtree]:
    """The perfect subtrees, left to right, that tile ``[start, end)``, each as large as alignment allows.

    For the ranges of `inclusion_ranges`, `consistency_ranges` and for ``[0, size)`` the hash of the range is
    the right fold of these subtrees' hashes (`fold_cover`), because each range starts at a multiple of a power
    of two at least as large as the range, so the greedy tiling is exactly the RFC's split.
    """
    if not 0 <= start <= end:
        raise ValueError(f"bad leaf range [{start}, {end})")
    cover: list[Subtree] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        cover.append((level, start >> level))
        start += 1 << level
    return cover


def fold_cover(hashes: Sequence[bytes]) -> bytes:
    """``node_hash(h1, node_hash(h2, ... hn))``: the hash of a range from its `subtree_cover` hashes."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def range_hash(start: int, end: int, subtree_hash: Callable[[Subtree], bytes]) -> bytes:
    """The hash of a leaf range from stored perfect-subtree hashes (see `subtree_cover`)."""
    return fold_cover([subtree_hash(s) for s in subtree_cover(start, end)])


def proof_subtrees(ranges: Iterable[LeafRange]) -> set[Subtree]:
    """Every stored perfect subtree needed to hash the given ranges (for one batched storage read)."""
    return {s for lo, hi in ranges for s in subtree_cover(lo, hi)}


def new_subtree_hashes(
    size: int, frontier: Mapping[Subtree, bytes], leaf_hashes: Sequence[bytes]
) -> dict[Subtree, bytes]:
    """The perfect subtrees completed by appending ``leaf_hashes`` to a tree of ``size`` leaves.

    ``frontier`` holds at least the hashes of ``subtree_cover(0, size)`` (the right-most complete subtrees);
    the result holds the new leaves (level 0) and every new interior perfect subtree.
    """
    known: dict[Subtree, bytes] = dict(frontier)
    new: dict[Subtree, bytes] = {}
    for offset, h in enumerate(leaf_hashes):
        level, idx = 0, size + offset
        new[(level, idx)] = known[(level, idx)] = h
        while idx & 1:  # a right child completes its parent
            h = node_hash(known[(level, idx - 1)], h)
            level, idx = level + 1, idx >> 1
            new[(level, idx)] = known[(level, idx)] = h
    return new


# --- reference producers from a full list of leaf hashes (tests, baselines, small trees) -------------------------


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """``MTH(D[n])`` from all leaf hashes (O(n)); a stored log uses `range_hash` instead."""
    return _mth(leaf_hashes, 0, len(leaf_hashes))


def _mth(leaf_hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    if hi == lo:
        return EMPTY_ROOT
    if hi - lo == 1:
        return leaf_hashes[lo]
    k = _split(hi - lo)
    return node_hash(_mth(leaf_hashes, lo, lo + k), _mth(leaf_hashes, lo + k, hi))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """``PATH(index, D[n])`` from all leaf hashes (RFC 9162 §2.1.3.1)."""
    return [_mth(leaf_hashes, lo, hi) for lo, hi in inclusion_ranges(index, len(leaf_hashes))]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """``PROOF(old_size, D[n])`` from all leaf hashes (RFC 9162 §2.1.4.1)."""
    return [_mth(leaf_hashes, lo, hi) for lo, hi in consistency_ranges(old_size, len(leaf_hashes))]


# --- verifiers ---------------------------------------------------------------------------------------------------


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf`` at ``index`` in a tree of ``size`` (RFC 9162 §2.1.3.2).

    Raises `InclusionProofError` when the proof has the wrong length for ``(index, size)``.
    """
    if not 0 <= index < size:
        raise InclusionProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash", InclusionProofError)
    expected = len(inclusion_ranges(index, size))
    if len(proof) != expected:
        raise InclusionProofError(f"inclusion proof has {len(proof)} hashes, expected {expected}")
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        _check_hash(p, "proof hash", InclusionProofError)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # cannot happen with the length check above; kept as the RFC's own guard
        raise InclusionProofError("inclusion proof is too short")
    return r


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> None:
    """Check that ``leaf`` (a leaf *hash*) sits at ``index`` in the tree of ``size`` with ``root_hash``.

    Returns ``None`` or raises `InclusionProofError` (``invalid_inclusion_proof``).
    """
    _check_hash(root_hash, "root hash", InclusionProofError)
    if root_from_inclusion_proof(leaf, index, size, proof) != root_hash:
        raise InclusionProofError(f"inclusion proof for leaf {index} does not lead to the root of size {size}")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree ``(old_size, old_root)`` is a prefix of ``(new_size, new_root)`` (RFC 9162 §2.1.4.2).

    Returns ``None`` or raises `ConsistencyProofError` (``invalid_consistency_proof``).
    """
    _check_hash(old_root, "old root", ConsistencyProofError)
    _check_hash(new_root, "new root", ConsistencyProofError)
    for p in proof:
        _check_hash(p, "proof hash", ConsistencyProofError)
    expected = len(consistency_ranges(old_size, new_size))  # raises for old_size > new_size
    if len(proof) != expected:
        raise ConsistencyProofError(f"consistency proof has {len(proof)} hashes, expected {expected}")
    if old_size == new_size:
        if old_root != new_root:
            raise ConsistencyProofError(f"two different roots for the same size {old_size}")
        return
    if old_size == 0:
        if old_root != EMPTY_ROOT:
            raise ConsistencyProofError("the root of the empty tree is not SHA-256 of the empty string")
        return
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # old tree is a perfect subtree: its root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ConsistencyProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ConsistencyProofError("consistency proof is too short")
    if fr != old_root:
        raise ConsistencyProofError(f"consistency proof does not lead to the old root of size {old_size}")
    if sr != new_root:
        raise ConsistencyProofError(f"consistency proof does not lead to the new root of size {new_size}")

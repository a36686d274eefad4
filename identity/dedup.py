"""1:N face search: every registered template against every other, exactly, with numpy blocked matrix products.

Two questions are asked of the whole register, and this module answers both without touching a database:

* at import and enrolment: which new templates lie within ``threshold`` of an earlier one or of each other?
  `FaceGallery.close_pairs_from(start, threshold)`;
* at identification: which registered identity, other than the claimed one, is nearest to a probe?
  `FaceGallery.nearest_other(probes, own_label)`.

The search is exhaustive: an approximate index could silently miss a duplicate. Each block of distances is one
matrix product. Every gallery row is stored *augmented* as ``[g, |g|², 1]`` and every probe enters as
``[q, −½, −½|q|²]``, so that one product gives ``q·g − ½|g|² − ½|q|² = −½|q − g|²`` directly, with no further pass
over the block. Storage is float32: a 4.3-million register is 2.2 GB (float64 would double it), and float32
rounding moves a squared distance by about 1e-6, far below any threshold that matters; candidate pairs are
re-measured in float64. ``bench/face_dedup.py`` measures this against FAISS's exact index and a per-row loop.

Labels are the registry's personal numbers, kept as fixed-width bytes (14 digits): 60 MB for 4.3 million, where a
Python dictionary would take ~700 MB.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

#: Values in a template (dlib's ResNet encoding; the same as `identity.face.TEMPLATE_DIMENSION`, not imported so
#: that this module does not load the face models).
DIMENSION: Final = 128
LABEL_BYTES: Final = 14
#: New templates per block, and the size of one block of distances (4096 × 256 float32 = 4 MB, cache-sized).
#: Measured on this machine's OpenBLAS, one core: blocks of ~1 million distances run at ~460-480 million distances
#: per second, 4096 × 4096 blocks at ~330 million, 1024 × 32768 at ~235 million (the block leaves the cache).
QUERY_BLOCK: Final = 4096
BLOCK_ELEMENTS: Final = 4096 * 256
_MAX_GALLERY_BLOCK: Final = 1 << 20
#: float32 slack on squared distances, so that a pair at exactly the threshold is not lost to rounding.
_SLACK: Final = 1e-4
_AUGMENTED: Final = DIMENSION + 2

Matrix = npt.NDArray[np.float32]
_A = TypeVar("_A", bound=np.generic)


@dataclass(frozen=True)
class ClosePair:
    """Gallery rows ``later`` and ``earlier`` (``earlier < later``) are ``distance`` apart."""

    later: int
    earlier: int
    distance: float


@dataclass(frozen=True)
class Neighbour:
    """The gallery entry nearest to a probe among those not labelled as excluded."""

    label: str
    distance: float


def as_matrix(vectors: npt.ArrayLike) -> Matrix:
    """Templates as a C-contiguous float32 ``(n, 128)`` matrix; raise `ValueError` for another shape."""
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    if matrix.ndim != 2 or matrix.shape[1] != DIMENSION:
        raise ValueError(f"templates are rows of {DIMENSION} values")
    if not np.isfinite(matrix).all():
        raise ValueError("a template value is not finite")
    return matrix


def _probe_side(queries: Matrix) -> Matrix:
    """``[q, −½, −½|q|²]`` per row: its product with a gallery row ``[g, |g|², 1]`` is ``−½|q − g|²``."""
    augmented = np.empty((len(queries), _AUGMENTED), dtype=np.float32)
    augmented[:, :DIMENSION] = queries
    augmented[:, DIMENSION] = -0.5
    augmented[:, DIMENSION + 1] = -0.5 * np.einsum("ij,ij->i", queries, queries)
    return augmented


class FaceGallery:
    """Labelled templates in one growable float32 matrix, searched exhaustively block by block."""

    def __init__(self, capacity: int = 1024) -> None:
        capacity = max(capacity, 1)
        self._rows: Matrix = np.zeros((capacity, _AUGMENTED), dtype=np.float32)
        self._labels: npt.NDArray[np.bytes_] = np.zeros(capacity, dtype=f"S{LABEL_BYTES}")
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def vectors(self) -> Matrix:
        """The templates (a view, rows ``0 … len − 1``)."""
        return self._rows[: self._size, :DIMENSION]

    @property
    def nbytes(self) -> int:
        return int(self._rows.nbytes + self._labels.nbytes)

    def label(self, row: int) -> str:
        return bytes(self._labels[row]).decode("ascii")

    def extend(self, labels: Sequence[str], vectors: npt.ArrayLike) -> None:
        """Append templates with their labels (ASCII, at most 14 characters)."""
        matrix = as_matrix(vectors)
        if len(labels) != len(matrix):
            raise ValueError("one label per template")
        encoded = [label.encode("ascii") for label in labels]
        if any(not 0 < len(e) <= LABEL_BYTES for e in encoded):
            raise ValueError(f"a label has 1 to {LABEL_BYTES} characters")
        end = self._size + len(matrix)
        if end > len(self._rows):
            capacity = max(end, 2 * len(self._rows))
            self._rows = _grown(self._rows, capacity)
            self._labels = _grown(self._labels, capacity)
        rows = self._rows[self._size : end]
        rows[:, :DIMENSION] = matrix
        rows[:, DIMENSION] = np.einsum("ij,ij->i", matrix, matrix)
        rows[:, DIMENSION + 1] = 1.0
        self._labels[self._size : end] = encoded
        self._size = end

    def truncate(self, size: int) -> None:
        """Forget every row from ``size`` on (the rows of an import whose transaction failed)."""
        self._size = min(self._size, max(size, 0))

    def close_pairs_from(
        self, start: int, threshold: float, *, query_block: int = QUERY_BLOCK, gallery_block: int | None = None
    ) -> list[ClosePair]:
        """Every pair (``later ≥ start``, ``earlier < later``) at distance ≤ ``threshold``, in row order.

        ``start = 0`` is a full dedup of the gallery; ``start = n`` after appending m rows to n compares the m new
        rows with all n earlier ones and with each other (m·n + m(m−1)/2 distances, never the old pairs again).
        """
        return list(self.iter_close_pairs(start, threshold, query_block=query_block, gallery_block=gallery_block))

    def iter_close_pairs(
        self, start: int, threshold: float, *, query_block: int = QUERY_BLOCK, gallery_block: int | None = None
    ) -> Iterator[ClosePair]:
        """`close_pairs_from`, one pair at a time."""
        if not threshold >= 0:
            raise ValueError("the threshold is a distance ≥ 0")
        floor = np.float32(-0.5 * (float(threshold) ** 2 + _SLACK))  # −½ d² ≥ floor  ⇔  d² ≤ threshold² + slack
        rows = self._rows[: self._size]
        for q0 in range(max(start, 0), self._size, query_block):
            q1 = min(q0 + query_block, self._size)
            probes = _probe_side(rows[q0:q1, :DIMENSION])
            step = gallery_block or _gallery_block(q1 - q0)
            for g0 in range(0, q1 - 1, step):
                g1 = min(g0 + step, q1 - 1)  # earlier rows only: the block's last query has q1 − 1
                block = probes @ rows[g0:g1].T
                if block.max() < floor:  # the usual case: nothing close in this block (one read, no mask)
                    continue
                for r, c in zip(*(a.tolist() for a in np.nonzero(block >= floor)), strict=True):
                    later, earlier = q0 + r, g0 + c
                    if earlier < later:
                        distance = _exact_distance(rows[later, :DIMENSION], rows[earlier, :DIMENSION])
                        if distance <= threshold:
                            yield ClosePair(later, earlier, distance)

    def nearest_other(
        self, probes: npt.ArrayLike, own_label: str, *, gallery_block: int | None = None
    ) -> list[Neighbour | None]:
        """For each probe, the nearest entry not labelled ``own_label`` (None when there is none)."""
        queries = as_matrix(probes)
        augmented = _probe_side(queries)
        own = own_label.encode("ascii")
        best_score = np.full(len(queries), -np.inf, dtype=np.float64)
        best_row = np.full(len(queries), -1, dtype=np.int64)
        everyone = np.arange(len(queries))
        step = gallery_block or _gallery_block(len(queries))
        for g0 in range(0, self._size, step):
            g1 = min(g0 + step, self._size)
            block = augmented @ self._rows[g0:g1].T  # −½ d²: the nearest has the largest score
            block[:, self._labels[g0:g1] == own] = -np.inf
            rows = np.argmax(block, axis=1)
            scores = block[everyone, rows]
            better = scores > best_score
            best_score[better] = scores[better]
            best_row[better] = rows[better] + g0
        result: list[Neighbour | None] = []
        for probe, row in zip(queries, best_row.tolist(), strict=True):
            if row < 0 or not np.isfinite(best_score[len(result)]):
                result.append(None)
            else:
                result.append(Neighbour(self.label(row), _exact_distance(probe, self._rows[row, :DIMENSION])))
        return result


def _gallery_block(queries: int) -> int:
    """Gallery rows per block for ``queries`` probes: about `BLOCK_ELEMENTS` distances per block."""
    return max(256, min(_MAX_GALLERY_BLOCK, BLOCK_ELEMENTS // max(queries, 1)))


def _grown(array: npt.NDArray[_A], capacity: int) -> npt.NDArray[_A]:
    grown = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown


def _exact_distance(a: npt.NDArray[np.floating], b: npt.NDArray[np.floating]) -> float:
    return float(np.linalg.norm(a.astype(np.float64) - b.astype(np.float64)))

"""The exhaustive 1:N search: the blocked matrix products find exactly the pairs a pairwise loop finds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from identity.dedup import DIMENSION, FaceGallery
from identity.face import TEMPLATE_DIMENSION


def gallery_with_planted_pairs(n: int = 900) -> tuple[FaceGallery, np.ndarray]:
    rng = np.random.default_rng(5)
    vectors = rng.normal(0.0, 0.13, (n, DIMENSION))
    vectors[700] = vectors[12] + rng.normal(0.0, 0.01, DIMENSION)  # ~0.11 apart
    vectors[899] = vectors[898]  # the same template twice
    vectors[450] = vectors[449] + 0.04  # 0.04·√128 ≈ 0.45 apart
    gallery = FaceGallery(capacity=16)  # grows while filled
    for start in range(0, n, 300):
        gallery.extend([f"{i:014d}" for i in range(start, min(start + 300, n))], vectors[start : start + 300])
    return gallery, vectors


def brute_force(vectors: np.ndarray, threshold: float, start: int = 0) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, j in itertools.product(range(start, len(vectors)), range(len(vectors)))
        if j < i and np.linalg.norm(vectors[i] - vectors[j]) <= threshold
    ]


def test_dimension_is_the_face_templates() -> None:
    assert DIMENSION == TEMPLATE_DIMENSION


@pytest.mark.parametrize(("query_block", "gallery_block"), [(4096, None), (64, 100), (7, 13)])
def test_blocked_search_finds_exactly_the_pairs_of_a_pairwise_loop(query_block: int, gallery_block: int | None) -> None:
    gallery, vectors = gallery_with_planted_pairs()
    pairs = gallery.close_pairs_from(0, 0.5, query_block=query_block, gallery_block=gallery_block)
    assert [(p.later, p.earlier) for p in pairs] == brute_force(vectors, 0.5) == [(450, 449), (700, 12), (899, 898)]
    assert pairs[2].distance == 0.0


def test_new_rows_are_compared_with_the_earlier_ones_and_each_other_only() -> None:
    gallery, _ = gallery_with_planted_pairs()
    assert [(p.later, p.earlier) for p in gallery.close_pairs_from(600, 0.5)] == [(700, 12), (899, 898)]
    assert gallery.close_pairs_from(900, 0.5) == []


def test_nearest_other_skips_the_claimed_identity() -> None:
    gallery, vectors = gallery_with_planted_pairs()
    probe = vectors[12] + 0.001
    (own,) = gallery.nearest_other(probe, f"{700:014d}")
    (other,) = gallery.nearest_other(probe, f"{12:014d}")
    assert own is not None and own.label == f"{12:014d}" and own.distance < 0.02
    assert other is not None and other.label == f"{700:014d}"
    assert FaceGallery().nearest_other(probe, "x") == [None]


def test_truncate_forgets_rows_of_a_failed_import() -> None:
    gallery, _ = gallery_with_planted_pairs()
    gallery.truncate(800)
    assert len(gallery) == 800 and [(p.later, p.earlier) for p in gallery.close_pairs_from(600, 0.5)] == [(700, 12)]


def test_bad_shapes_and_labels_are_refused() -> None:
    with pytest.raises(ValueError):
        FaceGallery().extend(["a"], np.zeros((1, 127)))
    with pytest.raises(ValueError):
        FaceGallery().extend(["123456789012345"], np.zeros((1, DIMENSION)))
    with pytest.raises(ValueError):
        FaceGallery().extend(["a"], np.full((1, DIMENSION), np.nan))

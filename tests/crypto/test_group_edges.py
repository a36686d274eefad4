"""Scalars and points at the edges of their ranges. (Written to kill mutants that survived `.ci/mutation`.)"""

from __future__ import annotations

import pytest

import crypto.group
from crypto.errors import InvalidPointError, NonCanonicalError
from crypto.group import FIELD_PRIME, ORDER, POINT_BYTES, Point, Scalar

G = Point.generator()
#: The curve constant b of P-256: (0, sqrt(b)) is a point, since b is a square mod p.
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B


def test_random_scalars_span_exactly_one_to_n_minus_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scalar.random never returns 0 and can return every other scalar: driven by the extremes of randbelow."""
    bounds: list[int] = []

    def lowest(bound: int) -> int:
        bounds.append(bound)
        return 0

    monkeypatch.setattr(crypto.group.secrets, "randbelow", lowest)
    assert Scalar.random() == Scalar(1)
    monkeypatch.setattr(crypto.group.secrets, "randbelow", lambda bound: bound - 1)
    assert Scalar.random() == Scalar(ORDER - 1)
    assert bounds == [ORDER - 1]


def test_an_integer_minus_a_scalar_is_reduced_mod_n() -> None:
    assert 5 - Scalar(3) == Scalar(2)
    assert 0 - Scalar(1) == Scalar(ORDER - 1)


def test_a_point_times_an_int_is_the_point_times_the_scalar() -> None:
    assert G * 3 == G * Scalar(3) == G + G + G


def test_distinct_values_hash_apart() -> None:
    assert len({hash(Scalar(i)) for i in range(1, 50)}) > 1
    assert len({hash(G * Scalar(i)) for i in range(1, 50)}) > 1


@pytest.mark.parametrize("length", [POINT_BYTES - 1, POINT_BYTES + 1, 65])
def test_point_of_the_wrong_length_is_non_canonical(length: int) -> None:
    data = G.to_bytes()[:length] if length < POINT_BYTES else G.to_bytes() + bytes(length - POINT_BYTES)
    with pytest.raises(NonCanonicalError, match=f"exactly {POINT_BYTES} bytes"):
        Point.from_bytes(data)


def test_identity_from_hex_only_when_allowed() -> None:
    assert Point.from_hex("00" * POINT_BYTES, allow_identity=True).is_identity()
    with pytest.raises(InvalidPointError):
        Point.from_hex("00" * POINT_BYTES)


def test_affine_coordinates_are_checked_against_p_then_the_curve() -> None:
    y0 = pow(B, (FIELD_PRIME + 1) // 4, FIELD_PRIME)  # p = 3 mod 4
    assert Point.from_affine(0, y0).affine() == (0, y0)  # x = 0 is a coordinate like any other
    x, y = G.affine()
    for bad in ((FIELD_PRIME, y), (x, FIELD_PRIME), (-1, y), (x, -1)):
        with pytest.raises(NonCanonicalError):
            Point.from_affine(*bad)
    for off_curve in ((x, 0), (x, (y + 1) % FIELD_PRIME)):  # P-256 has no point with y = 0
        with pytest.raises(InvalidPointError):
            Point.from_affine(*off_curve)

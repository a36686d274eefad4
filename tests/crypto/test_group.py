"""The P-256 value types: canonical encodings, strict decoding, arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto.errors import InvalidPointError, NonCanonicalError
from crypto.group import FIELD_PRIME, ORDER, Point, Scalar, multi_scalar_mul, point_sum

scalars = st.integers(min_value=0, max_value=ORDER - 1).map(Scalar)
G = Point.generator()


@given(scalars, scalars)
def test_scalar_multiplication_distributes_over_addition(a: Scalar, b: Scalar) -> None:
    assert (a + b) * G == a * G + b * G


@given(scalars)
def test_point_and_scalar_round_trip_through_bytes(k: Scalar) -> None:
    assert Scalar.from_bytes(k.to_bytes()) == k
    if not k.is_zero():
        assert Point.from_bytes((k * G).to_bytes()) == k * G


def test_generator_table_and_variable_base_agree() -> None:
    k = Scalar.random()
    assert Point.base_mul(k) == k * Point(G.ec_point)  # a fresh wrapper takes the variable-base path


def test_scalar_equal_to_order_is_non_canonical() -> None:
    with pytest.raises(NonCanonicalError):
        Scalar.from_bytes(ORDER.to_bytes(32, "big"))


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_scalar_of_wrong_length_is_non_canonical(length: int) -> None:
    with pytest.raises(NonCanonicalError):
        Scalar.from_bytes(bytes(length))


def test_identity_point_is_refused_unless_allowed() -> None:
    with pytest.raises(InvalidPointError):
        Point.from_bytes(bytes(33))
    assert Point.from_bytes(bytes(33), allow_identity=True).is_identity()
    assert Point.identity().to_bytes() == bytes(33)


def test_off_curve_point_is_refused() -> None:
    x = 0
    while True:  # find an x with no point on the curve
        x += 1
        raw = b"\x02" + x.to_bytes(32, "big")
        try:
            Point.from_bytes(raw)
        except InvalidPointError:
            break
    with pytest.raises(InvalidPointError):
        Point.from_bytes(raw)


def test_point_with_bad_prefix_or_x_above_p_is_non_canonical() -> None:
    good = (Scalar(7) * G).to_bytes()
    with pytest.raises(NonCanonicalError):
        Point.from_bytes(b"\x04" + good[1:])
    with pytest.raises(NonCanonicalError):
        Point.from_bytes(b"\x02" + FIELD_PRIME.to_bytes(32, "big"))
    with pytest.raises(NonCanonicalError):
        Point.from_bytes(good + b"\x00")


def test_values_are_immutable() -> None:
    k = Scalar(3)
    with pytest.raises(AttributeError):
        k._value = 4  # type: ignore[misc]
    with pytest.raises(AttributeError):
        G._pt = None  # type: ignore[misc]


def test_multi_scalar_multiplication_matches_the_sum_of_products() -> None:
    ks = [Scalar.random() for _ in range(5)]
    ps = [Scalar.random() * G for _ in range(5)]
    assert multi_scalar_mul(ks, ps) == point_sum(k * p for k, p in zip(ks, ps, strict=True))
    assert point_sum([]).is_identity()

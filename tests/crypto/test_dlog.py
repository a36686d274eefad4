"""Baby-step giant-step decoding of counts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.dlog import DiscreteLogTable, discrete_log
from crypto.errors import DecryptionError, ParameterError
from crypto.group import Point

SMALL = DiscreteLogTable(max_value=1000, baby_steps=32)


@pytest.mark.parametrize("m", [0, 1, 31, 32, 33, 999, 1000])
def test_small_table_decodes_every_boundary(m: int) -> None:
    assert SMALL.decode(Point.base_mul(m)) == m


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=1000))
def test_small_table_inverts_base_multiplication(m: int) -> None:
    assert SMALL.decode(Point.base_mul(m)) == m


def test_value_just_above_max_is_refused_even_inside_the_last_giant_step() -> None:
    with pytest.raises(DecryptionError):
        SMALL.decode(Point.base_mul(1001))  # 1001 = 31·32 + 9: the last giant step sees it in the table


def test_negative_count_is_refused() -> None:
    with pytest.raises(DecryptionError):
        SMALL.decode(-Point.base_mul(1))


@pytest.mark.parametrize("m", [0, 1, 65_535, 65_536, 1_234_567, 9_999_999, 10_000_000])
def test_default_table_decodes_counts_up_to_ten_million(m: int) -> None:
    assert discrete_log(Point.base_mul(m)) == m


def test_default_table_refuses_ten_million_and_one() -> None:
    with pytest.raises(DecryptionError) as caught:
        discrete_log(Point.base_mul(10_000_001))
    assert caught.value.code == "decryption_failed"


def test_random_point_is_not_a_count() -> None:
    with pytest.raises(DecryptionError):
        SMALL.decode(Point.base_mul(2**200 + 5))


@pytest.mark.parametrize(("max_value", "baby_steps"), [(-1, 16), (10, 0), (10, 1 << 23)])
def test_bad_table_parameters_are_refused(max_value: int, baby_steps: int) -> None:
    with pytest.raises(ParameterError):
        DiscreteLogTable(max_value, baby_steps)

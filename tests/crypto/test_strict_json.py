"""The one strict decoding path (crypto.strict_json): typed errors that name the JSON path of the bad field."""

from __future__ import annotations

import pytest

from crypto.errors import InvalidPointError, NonCanonicalError
from crypto.group import Point, Scalar
from crypto.strict_json import Field, MalformedFieldError, crypto_error


def refused(read: object) -> MalformedFieldError:
    assert callable(read)
    with pytest.raises(MalformedFieldError) as caught:
        read()
    return caught.value


def test_an_error_deep_in_lists_and_objects_names_the_whole_path() -> None:
    root = Field({"groups": [{"ids": ["a", "b"]}, {"ids": ["c", 4]}]})
    ids = [item["ids"].items() for item in root["groups"].items()]
    error = refused(lambda: [i.text() for group in ids for i in group])
    assert error.path == "$.groups[1].ids[1]"
    assert error.code == "malformed"
    assert error.message.startswith("$.groups[1].ids[1]: ")


def test_exact_keys_are_required() -> None:
    assert refused(lambda: Field({"a": 1, "b": 2}).as_object({"a"})).path == "$"
    assert refused(lambda: Field({"a": 1}).as_object({"a", "b"})).code == "malformed"
    assert Field({"a": 1, "c": 3}).as_object({"a"}, optional={"c"})["a"].integer() == 1


def test_a_boolean_is_not_an_integer_and_ranges_hold() -> None:
    assert refused(lambda: Field(True).integer()).code == "malformed"
    assert refused(lambda: Field(2).integer(maximum=1)).code == "malformed"
    assert refused(lambda: Field(2**53).integer()).code == "malformed"
    assert Field(1).integer(maximum=1) == 1


@pytest.mark.parametrize("text", ["AB", "a", "0x00", " 00", "zz"])
def test_hex_must_be_the_one_canonical_form(text: str) -> None:
    assert refused(lambda: Field(text).hex()).code == "non_canonical"


def test_hex_length_is_exact() -> None:
    assert refused(lambda: Field("00" * 31).hex(32)).code == "non_canonical"
    assert Field("00" * 32).hex(32) == bytes(32)


def test_points_and_scalars_keep_the_crypto_error_code_with_the_path() -> None:
    off_curve = "02" + "00" * 31 + "01"  # x = 1: no point of P-256 has it
    error = refused(lambda: Field({"k": off_curve})["k"].point())
    assert (error.code, error.path) == ("invalid_point", "$.k")
    too_big = "ff" * 32
    assert refused(lambda: Field(too_big).scalar()).code == "non_canonical"
    g = Point.base_mul(Scalar(3))
    assert Field(g.hex()).point() == g


def test_a_decoder_bug_becomes_malformed_not_an_internal_error() -> None:
    error = refused(lambda: Field({"x": 1}, "$.payload").decode(lambda v: v["missing"]))
    assert (error.code, error.path) == ("malformed", "$.payload")


def test_the_crypto_core_raises_its_own_error_of_the_same_code() -> None:
    bad_point = crypto_error(refused(lambda: Field("02" + "00" * 31 + "01", "$.c[0]").point()))
    assert isinstance(bad_point, InvalidPointError) and bad_point.code == "invalid_point"
    assert bad_point.message.startswith("$.c[0]: ")
    wrong_type = crypto_error(refused(lambda: Field(7, "$.body").hex(48)))
    assert type(wrong_type) is NonCanonicalError and wrong_type.code == "malformed"
    assert wrong_type.message.startswith("$.body: ")
    short = crypto_error(refused(lambda: Field("00", "$.body").hex(48)))
    assert type(short) is NonCanonicalError and short.code == "non_canonical"

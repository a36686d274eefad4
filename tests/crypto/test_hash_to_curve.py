"""RFC 9380 hash-to-curve (P256_XMD:SHA-256_SSWU_RO_) against the RFC's vectors, and Shailoo's generators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crypto.errors import ParameterError
from crypto.generators import GENERATOR_DST, independent_generator
from crypto.group import FIELD_PRIME, Point, Scalar
from crypto.hash_to_curve import CURVE_A, CURVE_B, SSWU_Z, hash_to_curve, map_to_curve, map_to_curve_simple_swu, sgn0
from crypto.hashing import hash_to_field

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load_vectors(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return result


SUITE = load_vectors("rfc9380_p256_xmd_sha256_sswu_ro.json")
CASES = SUITE["vectors"]
CASE_IDS = [case["msg"][:16] or "empty" for case in CASES]


def affine_of(coords: dict[str, str]) -> tuple[int, int]:
    return int(coords["x"], 16), int(coords["y"], 16)


def test_vector_file_is_the_rfc_suite() -> None:
    assert SUITE["suite"] == "P256_XMD:SHA-256_SSWU_RO_"
    assert SUITE["dst"] == "QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_RO_"
    assert len(CASES) == 5


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_hash_to_curve_matches_rfc_9380_vector(case: dict[str, Any]) -> None:
    point = hash_to_curve(case["msg"].encode(), SUITE["dst"].encode())
    assert point.affine() == affine_of(case["P"])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_hash_to_field_gives_the_rfc_field_elements(case: dict[str, Any]) -> None:
    u = hash_to_field(case["msg"].encode(), SUITE["dst"].encode(), 2, FIELD_PRIME)
    assert u == [int(x, 16) for x in case["u"]]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_map_to_curve_gives_the_rfc_intermediate_points(case: dict[str, Any]) -> None:
    u0, u1 = (int(x, 16) for x in case["u"])
    assert map_to_curve_simple_swu(u0) == affine_of(case["Q0"])
    assert map_to_curve_simple_swu(u1) == affine_of(case["Q1"])
    assert map_to_curve(u0) + map_to_curve(u1) == Point.from_affine(*affine_of(case["P"]))


def test_other_dst_gives_another_point() -> None:
    dst = SUITE["dst"].encode()
    assert hash_to_curve(b"abc", dst) != hash_to_curve(b"abc", dst + b"X")


@pytest.mark.parametrize("u", [0, 1, FIELD_PRIME - 1, 2**255, 12345])
def test_map_output_is_on_the_curve_and_matches_sign_of_u(u: int) -> None:
    x, y = map_to_curve_simple_swu(u)
    Point.from_affine(x, y)  # raises unless on the curve
    assert sgn0(y) == sgn0(u)


def test_exceptional_case_of_the_map_lands_on_the_curve() -> None:
    # for P-256, −1/Z is a square, so some u has Z·u² = −1 and Z²u⁴ + Zu² = 0: the map's special branch
    minus_inv_z = (-pow(SSWU_Z, -1, FIELD_PRIME)) % FIELD_PRIME
    u = pow(minus_inv_z, (FIELD_PRIME + 1) // 4, FIELD_PRIME)
    assert u * u % FIELD_PRIME == minus_inv_z
    x, y = map_to_curve_simple_swu(u)
    assert x == CURVE_B * pow(SSWU_Z * CURVE_A, -1, FIELD_PRIME) % FIELD_PRIME
    Point.from_affine(x, y)


def test_independent_generator_is_hash_to_curve_of_the_label() -> None:
    assert GENERATOR_DST == b"SHAILOO-V1-CS01-with-P256_XMD:SHA-256_SSWU_RO_"
    assert independent_generator("H") == hash_to_curve(b"H", GENERATOR_DST)


def test_independent_generator_h_is_the_value_in_the_spec() -> None:
    # docs/spec/crypto.md pins this value so that another implementation can check its hash-to-curve
    expected = "03e7092c514fde83e00be604d8ccfc27e88259588ffac676c8a2c1378ee06dd754"
    assert independent_generator("H").hex() == expected


def test_independent_generators_differ_from_each_other_and_from_g() -> None:
    points = [independent_generator(label) for label in ("H", "H/1", "H/2", "pedersen")]
    assert len({p.to_bytes() for p in points} | {Point.generator().to_bytes()}) == len(points) + 1
    assert all(not p.is_identity() for p in points)


def test_independent_generator_is_deterministic_and_generates_the_group() -> None:
    h = independent_generator("H")
    assert Point.from_bytes(h.to_bytes()) == h
    # prime order n: any non-identity point generates the whole group, so k·H ≠ identity for 0 < k < n
    assert not (Scalar(7) * h).is_identity()


def test_empty_label_is_rejected() -> None:
    with pytest.raises(ParameterError):
        independent_generator("")

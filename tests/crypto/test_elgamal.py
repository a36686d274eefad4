"""Exponential ElGamal: encryption, homomorphic addition, decryption, strict ciphertext decoding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.elgamal import (
    CIPHERTEXT_BYTES,
    Ciphertext,
    ElGamalKeyPair,
    ciphertext_sum,
    decrypt_to_point,
    encrypt,
    generator_plus_mul,
    partial_decryption,
)
from crypto.errors import InvalidPointError, NonCanonicalError, ParameterError
from crypto.group import ORDER, Point, Scalar

G = Point.generator()
KEYS = ElGamalKeyPair.from_secret(Scalar(0x5EC2E7))


def off_curve_point_bytes() -> bytes:
    """33 bytes with a valid prefix whose x has no point on P-256."""
    for x in range(1, 100):
        candidate = b"\x02" + x.to_bytes(32, "big")
        try:
            Point.from_bytes(candidate)
        except InvalidPointError:
            return candidate
    raise AssertionError("no off-curve x below 100")  # pragma: no cover


nonces = st.integers(min_value=1, max_value=ORDER - 1).map(Scalar)
messages = st.integers(min_value=0, max_value=10_000)


def test_encryption_is_the_textbook_formula() -> None:
    r = Scalar(12345)
    ct = encrypt(KEYS.public, 7, r)
    assert ct.alpha == r * G
    assert ct.beta == 7 * G + r * KEYS.public


@settings(max_examples=25, deadline=None)
@given(messages, messages, nonces, nonces)
def test_sum_of_encryptions_decrypts_to_sum_of_messages(a: int, b: int, r: Scalar, t: Scalar) -> None:
    total = encrypt(KEYS.public, a, r) + encrypt(KEYS.public, b, t)
    assert decrypt_to_point(total, KEYS.secret) == (a + b) * G
    if not (r + t).is_zero():
        assert total == encrypt(KEYS.public, a + b, r + t)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), nonces), min_size=1, max_size=12))
def test_ciphertext_sum_equals_repeated_addition(items: list[tuple[int, Scalar]]) -> None:
    cts = [encrypt(KEYS.public, m, r) for m, r in items]
    folded = Ciphertext.zero()
    for ct in cts:
        folded = folded + ct
    assert ciphertext_sum(cts) == folded
    assert decrypt_to_point(folded, KEYS.secret) == sum(m for m, _ in items) * G


def test_sum_of_nothing_is_the_zero_ciphertext() -> None:
    assert ciphertext_sum([]) == Ciphertext.zero()
    assert Ciphertext.zero().is_zero()
    assert decrypt_to_point(Ciphertext.zero(), KEYS.secret).is_identity()


def test_partial_decryption_is_secret_times_alpha() -> None:
    ct = encrypt(KEYS.public, 3, Scalar(99))
    assert partial_decryption(ct, KEYS.secret) == KEYS.secret * ct.alpha


def test_ciphertext_round_trips_through_66_bytes() -> None:
    ct = encrypt(KEYS.public, 1, Scalar(5))
    raw = ct.to_bytes()
    assert len(raw) == CIPHERTEXT_BYTES == 66
    assert raw == ct.alpha.to_bytes() + ct.beta.to_bytes()
    assert Ciphertext.from_bytes(raw) == ct


@pytest.mark.parametrize("length", [0, 33, 65, 67])
def test_ciphertext_of_wrong_length_is_non_canonical(length: int) -> None:
    with pytest.raises(NonCanonicalError):
        Ciphertext.from_bytes(bytes(length))


def test_identity_component_is_refused_unless_allowed() -> None:
    raw = encrypt(KEYS.public, 1, Scalar(5)).alpha.to_bytes() + bytes(33)
    with pytest.raises(InvalidPointError):
        Ciphertext.from_bytes(raw)
    assert Ciphertext.from_bytes(raw, allow_identity=True).beta.is_identity()
    assert Ciphertext.from_bytes(bytes(66), allow_identity=True) == Ciphertext.zero()


def test_off_curve_component_is_refused() -> None:
    bad = off_curve_point_bytes()
    with pytest.raises(InvalidPointError):
        Ciphertext.from_bytes(bad + G.to_bytes())


@pytest.mark.parametrize("message", [-1, ORDER])
def test_message_outside_the_group_is_refused(message: int) -> None:
    with pytest.raises(ParameterError):
        encrypt(KEYS.public, message, Scalar(1))


def test_zero_nonce_would_publish_the_message_and_is_refused() -> None:
    with pytest.raises(ParameterError):
        encrypt(KEYS.public, 1, Scalar(0))


def test_identity_public_key_is_refused() -> None:
    with pytest.raises(InvalidPointError):
        encrypt(Point.identity(), 1, Scalar(1))


def test_key_pair_checks_that_public_matches_secret() -> None:
    with pytest.raises(ParameterError):
        ElGamalKeyPair(Scalar(2), G)
    pair = ElGamalKeyPair.generate()
    assert pair.public == pair.secret * G


def test_generator_plus_mul_matches_separate_operations() -> None:
    a, b = Scalar.random(), Scalar.random()
    assert generator_plus_mul(a, b, KEYS.public) == a * G + b * KEYS.public

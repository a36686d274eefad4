"""Ciphertexts and key pairs are valid by construction; a mark is an int, not a bool. (Written to kill mutants that
survived `.ci/mutation`.)"""

from __future__ import annotations

import pytest

from crypto.elgamal import Ciphertext, ElGamalKeyPair, encrypt
from crypto.errors import ParameterError
from crypto.group import Point, Scalar

G = Point.generator()
KEYS = ElGamalKeyPair.from_secret(Scalar(0xE16A))


@pytest.mark.parametrize("which", ["alpha", "beta"])
def test_ciphertext_of_a_non_point_cannot_be_constructed(which: str) -> None:
    parts: dict[str, object] = {"alpha": G, "beta": G, which: G.to_bytes()}
    with pytest.raises(ParameterError):
        Ciphertext(parts["alpha"], parts["beta"])  # type: ignore[arg-type]


def test_a_ciphertext_is_zero_only_when_both_points_are_the_identity() -> None:
    identity = Point.identity()
    assert Ciphertext(identity, identity).is_zero()
    assert not Ciphertext(identity, G).is_zero()
    assert not Ciphertext(G, identity).is_zero()


def test_key_pair_with_a_zero_secret_cannot_be_constructed() -> None:
    with pytest.raises(ParameterError, match="non-zero"):
        ElGamalKeyPair.from_secret(Scalar(0))


def test_a_bool_is_not_a_message() -> None:
    with pytest.raises(ParameterError):
        encrypt(KEYS.public, True, Scalar(3))

"""Paillier (2048-bit, through phe) as Shailoo's second homomorphic backend."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.backend import ElGamalBackend, HomomorphicBackend
from crypto.dlog import DiscreteLogTable
from crypto.elgamal import ElGamalKeyPair
from crypto.errors import NonCanonicalError, ParameterError
from crypto.paillier import PAILLIER_BITS, PaillierBackend, PaillierCiphertext, PaillierKeyPair


@pytest.fixture(scope="module")
def keypair() -> PaillierKeyPair:
    return PaillierKeyPair.generate()


@pytest.fixture(scope="module")
def other_keypair() -> PaillierKeyPair:
    return PaillierKeyPair.generate()


def test_modulus_has_the_required_size(keypair: PaillierKeyPair) -> None:
    assert keypair.n.bit_length() == PAILLIER_BITS


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_sum_of_ciphertexts_decrypts_to_sum_of_messages(keypair: PaillierKeyPair, a: int, b: int) -> None:
    assert keypair.decrypt(keypair.add(keypair.encrypt(a), keypair.encrypt(b))) == a + b


def test_sum_wraps_modulo_n(keypair: PaillierKeyPair) -> None:
    n = keypair.n
    assert keypair.decrypt(keypair.add(keypair.encrypt(n - 1), keypair.encrypt(2))) == 1


def test_encryption_is_randomised_unless_the_nonce_is_given(keypair: PaillierKeyPair) -> None:
    assert keypair.encrypt(5) != keypair.encrypt(5)
    assert keypair.encrypt(5, nonce=12345) == keypair.encrypt(5, nonce=12345)


def test_ciphertext_round_trips_through_512_bytes(keypair: PaillierKeyPair) -> None:
    ct = keypair.encrypt(42)
    data = ct.to_bytes()
    assert len(data) == 512
    assert PaillierCiphertext.from_bytes(data, keypair.n) == ct
    assert keypair.decrypt(PaillierCiphertext.from_bytes(data, keypair.n)) == 42


@pytest.mark.parametrize("length", [0, 511, 513])
def test_ciphertext_of_wrong_length_is_non_canonical(keypair: PaillierKeyPair, length: int) -> None:
    with pytest.raises(NonCanonicalError):
        PaillierCiphertext.from_bytes(bytes(length), keypair.n)


def test_non_unit_ciphertexts_are_rejected(keypair: PaillierKeyPair) -> None:
    n = keypair.n
    for value in (0, n, n * n, n * n + 1):
        with pytest.raises(NonCanonicalError):
            PaillierCiphertext(value, n)


@pytest.mark.parametrize("message", [-1, "1", True])
def test_message_outside_the_plaintext_space_is_refused(keypair: PaillierKeyPair, message: object) -> None:
    with pytest.raises(ParameterError):
        keypair.encrypt(message)  # type: ignore[arg-type]


def test_message_equal_to_n_is_refused(keypair: PaillierKeyPair) -> None:
    with pytest.raises(ParameterError):
        keypair.encrypt(keypair.n)


def test_nonce_sharing_a_factor_with_n_is_refused(keypair: PaillierKeyPair) -> None:
    with pytest.raises(ParameterError):
        keypair.encrypt(1, nonce=0)
    with pytest.raises(ParameterError):
        keypair.encrypt(1, nonce=keypair.n)


def test_ciphertext_from_another_key_is_refused(keypair: PaillierKeyPair, other_keypair: PaillierKeyPair) -> None:
    foreign = other_keypair.encrypt(1)
    with pytest.raises(ParameterError):
        keypair.decrypt(foreign)
    with pytest.raises(ParameterError):
        keypair.add(keypair.encrypt(1), foreign)


def test_short_modulus_is_refused() -> None:
    with pytest.raises(ParameterError):
        PaillierKeyPair.generate(n_length=1024)


def test_mismatched_private_key_is_refused(keypair: PaillierKeyPair, other_keypair: PaillierKeyPair) -> None:
    with pytest.raises(ParameterError):
        PaillierKeyPair(keypair._public, other_keypair._private)


def test_backend_exposes_encrypt_add_decrypt_and_bytes(keypair: PaillierKeyPair) -> None:
    backend = PaillierBackend(keypair)
    total = backend.add(backend.encrypt(3), backend.encrypt(4))
    assert backend.decrypt(total) == 7
    assert len(backend.ciphertext_bytes(total)) == 512


# --- both schemes behind one interface -------------------------------------------------------------


def test_elgamal_and_paillier_satisfy_the_same_backend_interface(keypair: PaillierKeyPair) -> None:
    backends: list[HomomorphicBackend[Any]] = [
        ElGamalBackend(ElGamalKeyPair.generate(), DiscreteLogTable(max_value=100)),
        PaillierBackend(keypair),
    ]
    for backend in backends:
        total = backend.encrypt(0)
        for message in (1, 0, 1, 1):
            total = backend.add(total, backend.encrypt(message))
        assert backend.decrypt(total) == 3, backend.name
        assert backend.ciphertext_bytes(total)


def test_backend_ciphertext_sizes_differ_as_documented(keypair: PaillierKeyPair) -> None:
    elgamal = ElGamalBackend(ElGamalKeyPair.generate(), DiscreteLogTable(max_value=10))
    assert len(elgamal.ciphertext_bytes(elgamal.encrypt(1))) == 66
    assert len(PaillierBackend(keypair).ciphertext_bytes(keypair.encrypt(1))) == 512

"""Packed choices (crypto.packed): a party-list vote as 11 proved bits combined into one ciphertext."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.dlog import DiscreteLogTable
from crypto.elgamal import ElGamalKeyPair, decrypt_to_point, encrypt
from crypto.errors import InvalidProofError, NonCanonicalError, ParameterError
from crypto.group import Scalar
from crypto.packed import (
    BitProof,
    PackedChoice,
    decode_party_list,
    encode_party_list,
    encrypt_packed,
    party_list_bits,
    verify_packed,
)

CONTEXT = b"\x61" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0x9ACCED))
#: The 2021 ballot: 21 lists of up to 54 candidates (one shorter list to test the length rule).
LISTS = [54] * 20 + [30]
PARTIES, POSITIONS = len(LISTS), 54
BITS = sum(party_list_bits(PARTIES, POSITIONS))
TABLE = DiscreteLogTable(1 << BITS, 64)


def test_the_2021_ballot_needs_eleven_bits_and_about_two_kilobytes() -> None:
    assert BITS == 11
    assert len(encrypt_packed(CONTEXT, KEYS.public, 0, BITS).to_bytes()) == 2 + 11 * (66 + 128) == 2136


def test_a_bit_proof_whose_challenges_do_not_sum_to_the_hash_is_refused() -> None:
    # The simulator's freedom: any (c_j, s_j) gives consistent commitments; only c0 + c1 = H(...) binds them.
    packed = encrypt_packed(CONTEXT, KEYS.public, 5, BITS)
    first = packed.proofs[0]
    shifted = BitProof(first.c0 + 1, first.c1 - 1, first.s0, first.s1)  # same sum, other split
    for forged_proof in (BitProof(first.c0 + 1, first.c1, first.s0, first.s1), shifted):
        forged = PackedChoice(packed.ciphertexts, (forged_proof, *packed.proofs[1:]))
        with pytest.raises(InvalidProofError):
            verify_packed(CONTEXT, KEYS.public, forged, BITS)


def test_a_bit_proof_scalar_at_or_above_the_order_is_refused() -> None:
    data = bytearray(encrypt_packed(CONTEXT, KEYS.public, 5, BITS).to_bytes())
    data[2 + 66 : 2 + 66 + 32] = b"\xff" * 32
    with pytest.raises(NonCanonicalError):
        PackedChoice.from_bytes(bytes(data))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, PARTIES), st.integers(0, POSITIONS))
def test_property_a_choice_survives_encryption_proof_combination_and_decryption(party: int, preference: int) -> None:
    if party == PARTIES:
        preference = 0
    value = encode_party_list(party, preference, PARTIES, POSITIONS)
    packed = PackedChoice.from_bytes(encrypt_packed(CONTEXT, KEYS.public, value, BITS).to_bytes())
    verify_packed(CONTEXT, KEYS.public, packed, BITS)
    decrypted = TABLE.decode(decrypt_to_point(packed.combined(), KEYS.secret))
    expected = (party, preference) if party == PARTIES or preference <= LISTS[party] else None
    assert decode_party_list(decrypted, LISTS, POSITIONS) == expected


def test_combinations_that_name_nothing_decode_as_invalid_ballots() -> None:
    list_bits = party_list_bits(PARTIES, POSITIONS)[0]
    assert decode_party_list(30, LISTS, POSITIONS) is None  # list 30 does not exist
    assert decode_party_list(20 + (31 << list_bits), LISTS, POSITIONS) is None  # list 20 has 30 candidates
    assert decode_party_list(PARTIES + (1 << list_bits), LISTS, POSITIONS) is None  # "against all" with a preference
    assert decode_party_list(PARTIES, LISTS, POSITIONS) == (PARTIES, 0)


def test_a_bit_that_encrypts_two_is_refused() -> None:
    packed = encrypt_packed(CONTEXT, KEYS.public, 5, BITS)
    forged = PackedChoice((encrypt(KEYS.public, 2, Scalar(99)), *packed.ciphertexts[1:]), packed.proofs)
    with pytest.raises(InvalidProofError):
        verify_packed(CONTEXT, KEYS.public, forged, BITS)


def test_bits_moved_to_another_position_are_refused() -> None:
    # Bits 0 and 1 (values 1 and 0) swapped with their proofs: m = 1 would read as 2.
    packed = encrypt_packed(CONTEXT, KEYS.public, 1, BITS)
    order = [1, 0, *range(2, BITS)]
    moved = PackedChoice(tuple(packed.ciphertexts[i] for i in order), tuple(packed.proofs[i] for i in order))
    with pytest.raises(InvalidProofError):
        verify_packed(CONTEXT, KEYS.public, moved, BITS)


def test_a_packed_choice_is_bound_to_its_ballot() -> None:
    packed = encrypt_packed(CONTEXT, KEYS.public, 7, BITS)
    with pytest.raises(InvalidProofError):
        verify_packed(b"\x62" * 32, KEYS.public, packed, BITS)


def test_a_reused_nonce_is_refused() -> None:
    packed = encrypt_packed(CONTEXT, KEYS.public, 3, BITS, nonces=[Scalar(7)] * BITS)
    with pytest.raises(InvalidProofError) as e:
        verify_packed(CONTEXT, KEYS.public, packed, BITS)
    assert e.value.code == "reused_nonce"


def test_the_wrong_number_of_bits_is_refused() -> None:
    with pytest.raises(ParameterError):
        verify_packed(CONTEXT, KEYS.public, encrypt_packed(CONTEXT, KEYS.public, 3, 4), BITS)

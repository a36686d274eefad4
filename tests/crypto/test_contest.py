"""Encrypted contests: 0/1 proofs per selection, the limit proof, nonce reuse, strict bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.contest import (
    CONTEST_FORMAT_VERSION,
    KIND_CONTEST_LIMIT,
    REUSED_NONCE_CODE,
    SELECTION_BYTES,
    EncryptedContest,
    check_distinct_nonces,
    encrypt_contest,
    prove_contest_limit,
    verify_contest,
    verify_contest_limit,
)
from crypto.elgamal import Ciphertext, ElGamalKeyPair, ciphertext_sum, decrypt_to_point, encrypt
from crypto.errors import InvalidPointError, InvalidProofError, NonCanonicalError, ParameterError
from crypto.group import Point, Scalar
from crypto.proofs import DisjunctiveProof, prove_disjunctive, prove_zero_or_one

CONTEXT = b"\x33" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0xC0A7E57))
G = Point.generator()


def _bit_proofs(cts: list[Ciphertext], selections: list[int], nonces: list[Scalar]) -> tuple[DisjunctiveProof, ...]:
    return tuple(
        prove_zero_or_one(CONTEXT, KEYS.public, ct, m, r) for ct, m, r in zip(cts, selections, nonces, strict=True)
    )


def _nonces(n: int, start: int = 1000) -> list[Scalar]:
    return [Scalar(start + i) for i in range(n)]


@st.composite
def contests(draw: st.DrawFn) -> tuple[list[int], int, int]:
    size = draw(st.integers(min_value=1, max_value=6))
    selections = draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))
    marks = sum(selections)
    low = draw(st.integers(min_value=0, max_value=marks))
    high = draw(st.integers(min_value=marks, max_value=size))
    return selections, low, high


@settings(max_examples=15, deadline=None)
@given(contests())
def test_honest_contest_verifies_and_round_trips(case: tuple[list[int], int, int]) -> None:
    selections, low, high = case
    contest, nonces = encrypt_contest(CONTEXT, KEYS.public, selections, low, high)
    assert len(nonces) == len(selections)
    verify_contest(CONTEXT, KEYS.public, contest, low, high)
    raw = contest.to_bytes()
    assert len(raw) == 13 + SELECTION_BYTES * len(selections) + 130 * (high - low + 1) - 32
    decoded = EncryptedContest.from_bytes(raw)
    assert decoded == contest
    verify_contest(CONTEXT, KEYS.public, decoded, low, high)
    assert decrypt_to_point(contest.sum(), KEYS.secret) == sum(selections) * G


def test_encrypting_with_given_nonces_is_deterministic_in_ciphertexts() -> None:
    contest, nonces = encrypt_contest(CONTEXT, KEYS.public, [0, 1, 0], 1, 1, _nonces(3))
    assert nonces == _nonces(3)
    assert [ct.alpha for ct in contest.ciphertexts] == [r * G for r in _nonces(3)]


def test_exact_limit_proof_is_one_chaum_pedersen_branch() -> None:
    contest, _ = encrypt_contest(CONTEXT, KEYS.public, [0, 1, 0], 1, 1)
    assert contest.limit_proof.branches == 1
    assert len(contest.limit_proof.to_bytes()) == 98


def test_contest_overvote_cannot_get_a_valid_limit_proof() -> None:
    """Two marks where exactly one (or at most one) is allowed: the honest prover refuses, and a limit
    proof made by lying about the total does not verify, whatever the claimed total."""
    selections, nonces = [1, 1, 0], _nonces(3)
    with pytest.raises(ParameterError):
        encrypt_contest(CONTEXT, KEYS.public, selections, 0, 1, nonces)
    cts = [encrypt(KEYS.public, m, r) for m, r in zip(selections, nonces, strict=True)]
    proofs = _bit_proofs(cts, selections, nonces)
    total_nonce = sum(nonces, Scalar(0))
    for low, high in ((1, 1), (0, 1)):
        for claimed in range(low, high + 1):
            lie = prove_disjunctive(
                KIND_CONTEST_LIMIT, CONTEXT, KEYS.public, ciphertext_sum(cts), low, high, claimed, total_nonce
            )
            forged = EncryptedContest(low, high, tuple(cts), proofs, lie)
            with pytest.raises(InvalidProofError, match="limit proof"):
                verify_contest(CONTEXT, KEYS.public, forged, low, high)
            with pytest.raises(InvalidProofError):
                verify_contest_limit(CONTEXT, KEYS.public, cts, low, high, lie)


def test_contest_limit_proof_standalone() -> None:
    nonces = _nonces(4)
    cts = [encrypt(KEYS.public, m, r) for m, r in zip([0, 1, 1, 0], nonces, strict=True)]
    proof = prove_contest_limit(CONTEXT, KEYS.public, cts, 2, sum(nonces, Scalar(0)), 0, 2)
    verify_contest_limit(CONTEXT, KEYS.public, cts, 0, 2, proof)
    with pytest.raises(InvalidProofError):
        verify_contest_limit(CONTEXT, KEYS.public, cts[:3], 0, 2, proof)


def _contest_sharing_a_nonce() -> EncryptedContest:
    selections, nonces = [1, 0, 0], [Scalar(7), Scalar(7), Scalar(9)]
    cts = [encrypt(KEYS.public, m, r) for m, r in zip(selections, nonces, strict=True)]
    proofs = _bit_proofs(cts, selections, nonces)
    limit = prove_contest_limit(CONTEXT, KEYS.public, cts, 1, sum(nonces, Scalar(0)), 1, 1)
    return EncryptedContest(1, 1, tuple(cts), proofs, limit)


def test_contest_whose_selections_share_a_nonce_is_rejected_with_a_stable_code() -> None:
    """Every proof in it is valid, but equal alphas reveal m_0 − m_1 = log(beta_0 − beta_1): refuse it."""
    contest = _contest_sharing_a_nonce()
    with pytest.raises(InvalidProofError) as caught:
        check_distinct_nonces(contest)
    assert caught.value.code == REUSED_NONCE_CODE == "reused_nonce"
    with pytest.raises(InvalidProofError) as caught:
        verify_contest(CONTEXT, KEYS.public, contest, 1, 1)
    assert caught.value.code == "reused_nonce"
    assert "selections 0 and 1" in str(caught.value)


def test_encrypt_contest_refuses_reused_nonces() -> None:
    with pytest.raises(ParameterError):
        encrypt_contest(CONTEXT, KEYS.public, [1, 0], 1, 1, [Scalar(5), Scalar(5)])


def test_contest_verified_against_other_limits_is_rejected() -> None:
    contest, _ = encrypt_contest(CONTEXT, KEYS.public, [0, 1, 0], 0, 1)
    with pytest.raises(InvalidProofError):
        verify_contest(CONTEXT, KEYS.public, contest, 1, 1)


def test_bad_selection_proof_is_named_by_its_index() -> None:
    contest, _ = encrypt_contest(CONTEXT, KEYS.public, [0, 0, 1, 0], 1, 1)
    swapped = list(contest.selection_proofs)
    swapped[1], swapped[3] = swapped[3], swapped[1]  # each proof is valid, but for another ciphertext
    broken = EncryptedContest(1, 1, contest.ciphertexts, tuple(swapped), contest.limit_proof)
    with pytest.raises(InvalidProofError, match="selection 1"):
        verify_contest(CONTEXT, KEYS.public, broken, 1, 1)


def test_selection_encrypting_two_with_a_lying_proof_is_rejected() -> None:
    """A ballot puts 2 in one selection (double weight) and 0 elsewhere, claiming 1 in its 0/1 proof."""
    nonces = _nonces(3)
    cts = [encrypt(KEYS.public, m, r) for m, r in zip([2, 0, 0], nonces, strict=True)]
    lying = prove_disjunctive("zero_or_one", CONTEXT, KEYS.public, cts[0], 0, 1, 1, nonces[0])
    proofs = (lying, *_bit_proofs(cts[1:], [0, 0], nonces[1:]))
    limit = prove_contest_limit(CONTEXT, KEYS.public, cts, 2, sum(nonces, Scalar(0)), 0, 2)
    with pytest.raises(InvalidProofError, match="selection 0"):
        verify_contest(CONTEXT, KEYS.public, EncryptedContest(0, 2, tuple(cts), proofs, limit), 0, 2)


@pytest.mark.parametrize(
    "selections", [[], [0, 2], [1, 1]], ids=["no selections", "a selection of 2", "above the limit"]
)
def test_encrypt_contest_refuses_invalid_choices(selections: list[int]) -> None:
    with pytest.raises(ParameterError):
        encrypt_contest(CONTEXT, KEYS.public, selections, 0, 1)


# --------------------------------------------------------------------------------------------------
# Strict decoding.
# --------------------------------------------------------------------------------------------------


def _raw() -> bytes:
    contest, _ = encrypt_contest(CONTEXT, KEYS.public, [0, 1], 0, 1, _nonces(2))
    return contest.to_bytes()


def test_contest_header_is_version_count_and_limits() -> None:
    raw = _raw()
    assert raw[0] == CONTEST_FORMAT_VERSION == 1
    assert raw[1:13] == (2).to_bytes(4, "big") + (0).to_bytes(4, "big") + (1).to_bytes(4, "big")


@pytest.mark.parametrize("cut", [0, 12, -1])
def test_truncated_contest_is_non_canonical(cut: int) -> None:
    with pytest.raises(NonCanonicalError):
        EncryptedContest.from_bytes(_raw()[:cut])


def test_contest_with_trailing_bytes_is_non_canonical() -> None:
    with pytest.raises(NonCanonicalError):
        EncryptedContest.from_bytes(_raw() + b"\x00")


def test_contest_with_unknown_version_is_non_canonical() -> None:
    with pytest.raises(NonCanonicalError):
        EncryptedContest.from_bytes(b"\x02" + _raw()[1:])


def test_contest_with_inverted_limits_is_refused() -> None:
    raw = _raw()
    with pytest.raises(ParameterError):
        EncryptedContest.from_bytes(raw[:5] + (2).to_bytes(4, "big") + (1).to_bytes(4, "big") + raw[13:])


def test_contest_with_identity_alpha_is_refused() -> None:
    raw = bytearray(_raw())
    raw[13:46] = bytes(33)
    with pytest.raises(InvalidPointError):
        EncryptedContest.from_bytes(bytes(raw))

"""What a prover and a verifier refuse before any relation is evaluated: identity points in the statement, zero
secrets and nonces, bounds of a disjunctive proof. (Written to kill mutants that survived `.ci/mutation`: each
check below could be removed with every other test still passing, because a relation would fail later anyway;
the error message tells the two apart.)"""

from __future__ import annotations

import pytest

from crypto.elgamal import Ciphertext, ElGamalKeyPair, encrypt
from crypto.errors import InvalidProofError, ParameterError
from crypto.group import Point, Scalar
from crypto.proofs import (
    MAX_BRANCHES,
    DisjunctiveProof,
    disjunctive_relations,
    prove_correct_decryption,
    prove_disjunctive,
    prove_equal_dlog,
    prove_zero_or_one,
    verify_correct_decryption,
    verify_equal_dlog,
    verify_zero_or_one,
)
from crypto.relations import check_relations

CONTEXT = b"\x33" * 32
G = Point.generator()
H = Point.base_mul(Scalar(99))
KEYS = ElGamalKeyPair.from_secret(Scalar(0x5EC12E7))
R = Scalar(0x1234)
IDENTITY = Point.identity()
#: The message of the statement check (a failing relation says "does not verify" instead).
NOT_IDENTITY = "must be a point other than the identity"


# --- identity points in a statement ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["base1", "public1", "base2", "public2"])
def test_chaum_pedersen_statement_with_an_identity_point_is_refused(field: str) -> None:
    x = Scalar(1234)
    proof = prove_equal_dlog(CONTEXT, x, G, H, Scalar(5))
    statement = {"base1": G, "public1": x * G, "base2": H, "public2": x * H}
    statement[field] = IDENTITY
    with pytest.raises(InvalidProofError, match=NOT_IDENTITY):
        verify_equal_dlog(
            CONTEXT, statement["base1"], statement["public1"], statement["base2"], statement["public2"], proof
        )


@pytest.mark.parametrize("base", ["base1", "base2"])
def test_chaum_pedersen_prover_refuses_an_identity_base(base: str) -> None:
    bases = {"base1": G, "base2": H, base: IDENTITY}
    with pytest.raises(InvalidProofError, match=NOT_IDENTITY):
        prove_equal_dlog(CONTEXT, Scalar(3), bases["base1"], bases["base2"])


@pytest.mark.parametrize("field", ["public_share", "alpha", "share"])
def test_decryption_statement_with_an_identity_point_is_refused(field: str) -> None:
    secret = Scalar(77)
    ct = encrypt(KEYS.public, 3, R)
    share, proof = prove_correct_decryption(CONTEXT, secret, ct, Scalar(8))
    statement = {"public_share": secret * G, "alpha": ct.alpha, "share": share}
    statement[field] = IDENTITY
    with pytest.raises(InvalidProofError, match=NOT_IDENTITY):
        verify_correct_decryption(
            CONTEXT, statement["public_share"], Ciphertext(statement["alpha"], ct.beta), statement["share"], proof
        )


def test_decryption_prover_refuses_a_ciphertext_whose_alpha_is_the_identity() -> None:
    with pytest.raises(InvalidProofError, match=NOT_IDENTITY):
        prove_correct_decryption(CONTEXT, Scalar(77), Ciphertext(IDENTITY, G))


@pytest.mark.parametrize("field", ["public_key", "alpha", "beta"])
def test_zero_or_one_statement_with_an_identity_point_is_refused(field: str) -> None:
    ct = encrypt(KEYS.public, 1, R)
    proof = prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, R)
    statement = {"public_key": KEYS.public, "alpha": ct.alpha, "beta": ct.beta, field: IDENTITY}
    with pytest.raises(InvalidProofError, match=NOT_IDENTITY):
        verify_zero_or_one(CONTEXT, statement["public_key"], Ciphertext(statement["alpha"], statement["beta"]), proof)


@pytest.mark.parametrize("field", ["public_key", "alpha", "beta"])
def test_zero_or_one_prover_refuses_an_identity_point(field: str) -> None:
    ct = encrypt(KEYS.public, 1, R)
    statement = {"public_key": KEYS.public, "alpha": ct.alpha, "beta": ct.beta, field: IDENTITY}
    with pytest.raises(InvalidProofError, match=NOT_IDENTITY):
        prove_zero_or_one(CONTEXT, statement["public_key"], Ciphertext(statement["alpha"], statement["beta"]), 1, R)


# --- zero secrets and nonces -------------------------------------------------------------------------------------


def test_provers_refuse_a_zero_secret() -> None:
    """A zero secret would prove a statement about the identity (x·G = identity)."""
    with pytest.raises(ParameterError, match="non-zero"):
        prove_equal_dlog(CONTEXT, Scalar(0), G, H)
    with pytest.raises(ParameterError, match="non-zero"):
        prove_correct_decryption(CONTEXT, Scalar(0), encrypt(KEYS.public, 1, R))


def test_disjunctive_prover_refuses_a_zero_encryption_nonce() -> None:
    ct = encrypt(KEYS.public, 1, R)
    with pytest.raises(ParameterError, match="encryption nonce"):
        prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, Scalar(0))


# --- bounds of a disjunctive proof -------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high"), [(3, 2), (2**32, 2**32), (2**32 - 1, 2**32)])
def test_disjunctive_bounds_outside_u32_or_inverted_are_refused(low: int, high: int) -> None:
    ct = encrypt(KEYS.public, 1, R)
    proof = prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, R)
    with pytest.raises(ParameterError, match="0 <= low <= high < 2"):
        disjunctive_relations("range", CONTEXT, KEYS.public, ct, low, high, proof)


def test_disjunctive_proof_of_max_branches_is_allowed_and_one_more_is_refused() -> None:
    ct = encrypt(KEYS.public, 1, R)
    proof = prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, R)
    # MAX_BRANCHES branches: past the bounds check, refused only because this proof has 2 branches.
    with pytest.raises(InvalidProofError, match="branches, the statement needs"):
        disjunctive_relations("range", CONTEXT, KEYS.public, ct, 0, MAX_BRANCHES - 1, proof)
    with pytest.raises(InvalidProofError, match="branches, the statement needs"):
        disjunctive_relations("range", CONTEXT, KEYS.public, ct, 1000, 1000 + MAX_BRANCHES - 1, proof)
    with pytest.raises(ParameterError, match=f"at most {MAX_BRANCHES} branches"):
        disjunctive_relations("range", CONTEXT, KEYS.public, ct, 0, MAX_BRANCHES, proof)


def test_disjunctive_proof_with_a_lower_bound_above_zero_takes_2b_minus_1_nonces() -> None:
    """A range [5, 6] has two branches whatever its offset: three proof nonces, and the proof verifies."""
    ct = encrypt(KEYS.public, 6, R)
    nonces = [Scalar(1), Scalar(2), Scalar(3)]
    proof = prove_disjunctive("range", CONTEXT, KEYS.public, ct, 5, 6, 6, R, nonces)
    assert proof.branches == 2 and proof.challenges == (Scalar(2),) and proof.responses[0] == Scalar(3)
    check_relations(disjunctive_relations("range", CONTEXT, KEYS.public, ct, 5, 6, proof), "range [5, 6]")


# --- shape of a disjunctive proof --------------------------------------------------------------------------------


def test_disjunctive_proof_of_max_branches_is_built_decoded_and_verified() -> None:
    ct = encrypt(KEYS.public, 200, R)
    proof = prove_disjunctive("range", CONTEXT, KEYS.public, ct, 0, MAX_BRANCHES - 1, 200, R)
    assert proof.branches == MAX_BRANCHES
    assert DisjunctiveProof.from_bytes(proof.to_bytes(), MAX_BRANCHES) == proof
    check_relations(disjunctive_relations("range", CONTEXT, KEYS.public, ct, 0, MAX_BRANCHES - 1, proof), "range")


def test_disjunctive_proof_with_one_challenge_too_many_or_too_few_cannot_be_constructed() -> None:
    ct = encrypt(KEYS.public, 1, R)
    proof = prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, R)
    for challenges in ((), proof.challenges * 2):
        with pytest.raises(ParameterError, match="B − 1 challenges"):
            DisjunctiveProof(proof.commitments, challenges, proof.responses)

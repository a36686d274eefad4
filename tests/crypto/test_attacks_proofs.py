"""Attacks on the proofs, each test named after the attack it tries. Every one must fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crypto.elgamal import Ciphertext, ElGamalKeyPair, encrypt
from crypto.errors import InvalidPointError, InvalidProofError, NonCanonicalError
from crypto.group import ORDER, Point, Scalar
from crypto.proofs import (
    KIND_ZERO_OR_ONE,
    ChaumPedersenProof,
    DisjunctiveProof,
    SchnorrProof,
    disjunctive_challenge,
    prove_disjunctive,
    prove_equal_dlog,
    prove_knowledge,
    prove_zero_or_one,
    verify_equal_dlog,
    verify_knowledge,
    verify_zero_or_one,
)
from tests.crypto.test_elgamal import off_curve_point_bytes

CONTEXT = b"\x11" * 32
OTHER_CONTEXT = b"\x22" * 32
G = Point.generator()
KEYS = ElGamalKeyPair.from_secret(Scalar(0xA77AC4))
R = Scalar(0x5151)


def _honest() -> tuple[Ciphertext, DisjunctiveProof]:
    ct = encrypt(KEYS.public, 1, R)
    return ct, prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, R, [Scalar(7), Scalar(8), Scalar(9)])


# --------------------------------------------------------------------------------------------------
# Forging a 0/1 proof for a ciphertext of 2.
# --------------------------------------------------------------------------------------------------


def test_zero_or_one_proof_forged_for_enc_of_two_is_rejected() -> None:
    """Three forgeries for Enc(2): claim 1, claim 0 (running the honest prover on a lie), and simulate
    both branches (the challenges then cannot add up to the hash)."""
    ct = encrypt(KEYS.public, 2, R)
    for claimed in (0, 1):
        lie = prove_disjunctive(KIND_ZERO_OR_ONE, CONTEXT, KEYS.public, ct, 0, 1, claimed, R)
        with pytest.raises(InvalidProofError):
            verify_zero_or_one(CONTEXT, KEYS.public, ct, lie)
    c0, v0, c1, v1 = (Scalar.random() for _ in range(4))
    commitments = (
        (v0 * G - c0 * ct.alpha, v0 * KEYS.public - c0 * ct.beta),
        (v1 * G - c1 * ct.alpha, v1 * KEYS.public - c1 * (ct.beta - G)),
    )
    simulated = DisjunctiveProof(commitments, (c0,), (v0, v1))
    with pytest.raises(InvalidProofError):
        verify_zero_or_one(CONTEXT, KEYS.public, ct, simulated)


def test_zero_or_one_proof_forged_with_the_election_secret_key_is_rejected() -> None:
    """Even colluding trustees who know s cannot prove Enc(2) is a bit: the disjunction is sound without
    any computational assumption. Knowing s they can decrypt, but not fit the challenge split."""
    ct = encrypt(KEYS.public, 2, R)
    u0, u1 = Scalar(3), Scalar(4)
    # With s known, beta − j·G = s·alpha + (2 − j)·G: neither branch is a DH tuple, so a commitment
    # pair built from one nonce still cannot satisfy both relations of either branch.
    commitments = ((u0 * G, u0 * KEYS.public), (u1 * G, u1 * KEYS.public))
    c = disjunctive_challenge(
        KIND_ZERO_OR_ONE, CONTEXT, KEYS.public, ct, 0, 1, [p for pair in commitments for p in pair]
    )
    c0 = Scalar(5)
    forged = DisjunctiveProof(commitments, (c0,), (u0 + c0 * R, u1 + (c - c0) * R))
    with pytest.raises(InvalidProofError):
        verify_zero_or_one(CONTEXT, KEYS.public, ct, forged)


# --------------------------------------------------------------------------------------------------
# Changing any field of the statement or the commitments changes the challenge.
# --------------------------------------------------------------------------------------------------

OTHER = Point.base_mul(Scalar(0xD1FF))


def _mutations() -> dict[
    str, Callable[[Ciphertext, DisjunctiveProof], tuple[bytes, Point, Ciphertext, DisjunctiveProof]]
]:
    def commitment(
        index: int,
    ) -> Callable[[Ciphertext, DisjunctiveProof], tuple[bytes, Point, Ciphertext, DisjunctiveProof]]:
        def mutate(ct: Ciphertext, proof: DisjunctiveProof) -> tuple[bytes, Point, Ciphertext, DisjunctiveProof]:
            points = proof.commitment_points()
            points[index] = points[index] + OTHER
            pairs = ((points[0], points[1]), (points[2], points[3]))
            return CONTEXT, KEYS.public, ct, DisjunctiveProof(pairs, proof.challenges, proof.responses)

        return mutate

    return {
        "context": lambda ct, p: (OTHER_CONTEXT, KEYS.public, ct, p),
        "public_key": lambda ct, p: (CONTEXT, KEYS.public + OTHER, ct, p),
        "alpha": lambda ct, p: (CONTEXT, KEYS.public, Ciphertext(ct.alpha + OTHER, ct.beta), p),
        "beta": lambda ct, p: (CONTEXT, KEYS.public, Ciphertext(ct.alpha, ct.beta + OTHER), p),
        "a0": commitment(0),
        "b0": commitment(1),
        "a1": commitment(2),
        "b1": commitment(3),
    }


@pytest.mark.parametrize("field", list(_mutations()))
def test_changed_statement_field_changes_the_challenge_and_fails(field: str) -> None:
    ct, proof = _honest()
    context, key, ct2, proof2 = _mutations()[field](ct, proof)
    before = disjunctive_challenge(KIND_ZERO_OR_ONE, CONTEXT, KEYS.public, ct, 0, 1, proof.commitment_points())
    after = disjunctive_challenge(KIND_ZERO_OR_ONE, context, key, ct2, 0, 1, proof2.commitment_points())
    assert before != after
    with pytest.raises(InvalidProofError):
        verify_zero_or_one(context, key, ct2, proof2)


@pytest.mark.parametrize("part", ["challenge", "response0", "response1"])
def test_tampered_challenge_or_response_fails(part: str) -> None:
    ct, proof = _honest()
    one = Scalar(1)
    challenges, responses = list(proof.challenges), list(proof.responses)
    if part == "challenge":
        challenges[0] = challenges[0] + one
    else:
        responses[int(part[-1])] = responses[int(part[-1])] + one
    tampered = DisjunctiveProof(proof.commitments, tuple(challenges), tuple(responses))
    with pytest.raises(InvalidProofError):
        verify_zero_or_one(CONTEXT, KEYS.public, ct, tampered)


def test_schnorr_proof_with_changed_public_key_fails() -> None:
    proof = prove_knowledge(CONTEXT, Scalar(77), Scalar(78))
    with pytest.raises(InvalidProofError):
        verify_knowledge(CONTEXT, Scalar(77) * G + OTHER, proof)


@pytest.mark.parametrize("field", ["base1", "public1", "base2", "public2"])
def test_chaum_pedersen_with_changed_statement_field_fails(field: str) -> None:
    h = Point.base_mul(Scalar(99))
    x = Scalar(1234)
    proof = prove_equal_dlog(CONTEXT, x, G, h, Scalar(5))
    statement = {"base1": G, "public1": x * G, "base2": h, "public2": x * h}
    statement[field] = statement[field] + OTHER
    with pytest.raises(InvalidProofError):
        verify_equal_dlog(
            CONTEXT, statement["base1"], statement["public1"], statement["base2"], statement["public2"], proof
        )


# --------------------------------------------------------------------------------------------------
# Malformed bytes are refused at decoding, before any verification.
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(4))
def test_zero_or_one_proof_with_off_curve_commitment_is_rejected_at_decoding(index: int) -> None:
    raw = bytearray(_honest()[1].to_bytes())
    raw[33 * index : 33 * (index + 1)] = off_curve_point_bytes()
    with pytest.raises(InvalidPointError):
        DisjunctiveProof.from_bytes(bytes(raw), 2)


@pytest.mark.parametrize("index", range(4))
def test_zero_or_one_proof_with_identity_commitment_is_rejected_at_decoding(index: int) -> None:
    raw = bytearray(_honest()[1].to_bytes())
    raw[33 * index : 33 * (index + 1)] = bytes(33)
    # The point decoder refuses it (the proof's constructor would too: the message tells the two apart).
    with pytest.raises(InvalidPointError, match="the identity point is not allowed here"):
        DisjunctiveProof.from_bytes(bytes(raw), 2)


@pytest.mark.parametrize("index", range(3))
def test_zero_or_one_proof_with_scalar_not_below_order_is_rejected_at_decoding(index: int) -> None:
    raw = bytearray(_honest()[1].to_bytes())
    start = 132 + 32 * index
    raw[start : start + 32] = (ORDER + int.from_bytes(raw[start : start + 32], "big") % (2**256 - ORDER)).to_bytes(
        32, "big"
    )
    with pytest.raises(NonCanonicalError):
        DisjunctiveProof.from_bytes(bytes(raw), 2)


def test_zero_or_one_proof_with_compressed_prefix_04_is_rejected_at_decoding() -> None:
    raw = bytearray(_honest()[1].to_bytes())
    raw[0] = 0x04
    with pytest.raises(NonCanonicalError):
        DisjunctiveProof.from_bytes(bytes(raw), 2)


@pytest.mark.parametrize("delta", [-1, 1, 32])
def test_truncated_or_padded_proof_is_rejected_at_decoding(delta: int) -> None:
    raw = _honest()[1].to_bytes()
    bad = raw[:delta] if delta < 0 else raw + bytes(delta)
    with pytest.raises(NonCanonicalError):
        DisjunctiveProof.from_bytes(bad, 2)


def test_schnorr_and_chaum_pedersen_with_off_curve_commitment_are_rejected_at_decoding() -> None:
    with pytest.raises(InvalidPointError):
        SchnorrProof.from_bytes(off_curve_point_bytes() + bytes(32))
    good = prove_equal_dlog(CONTEXT, Scalar(3), G, OTHER, Scalar(4)).to_bytes()
    with pytest.raises(InvalidPointError):
        ChaumPedersenProof.from_bytes(good[:33] + off_curve_point_bytes() + good[66:])
    with pytest.raises(InvalidPointError):
        ChaumPedersenProof.from_bytes(bytes(33) + good[33:])


def test_proof_for_a_ciphertext_under_another_key_is_rejected() -> None:
    other = ElGamalKeyPair.from_secret(Scalar(0xBAD))
    ct = encrypt(other.public, 1, R)
    proof = prove_zero_or_one(CONTEXT, other.public, ct, 1, R)
    with pytest.raises(InvalidProofError):
        verify_zero_or_one(CONTEXT, KEYS.public, ct, proof)


def test_identity_public_key_is_rejected_by_the_verifier() -> None:
    """K = identity makes every ciphertext public (beta = m·G): the statement itself is refused, before any relation
    (which would fail too for this proof, made for another key: the message tells the two apart)."""
    ct, proof = _honest()
    with pytest.raises(InvalidProofError, match="every statement point must be a point other than the identity"):
        verify_zero_or_one(CONTEXT, Point.identity(), ct, proof)


def test_proof_replayed_on_a_rerandomised_ciphertext_is_rejected() -> None:
    """Adding Enc(0) changes (alpha, beta), so the old proof no longer fits (no proof malleability)."""
    ct, proof = _honest()
    rerandomised = ct + encrypt(KEYS.public, 0, Scalar(42))
    with pytest.raises(InvalidProofError):
        verify_zero_or_one(CONTEXT, KEYS.public, rerandomised, proof)


def test_proof_objects_with_identity_commitment_cannot_be_constructed() -> None:
    """Valid by construction: an in-memory proof (not only a decoded one) refuses an identity commitment."""
    _, proof = _honest()
    (a0, b0), pair1 = proof.commitments
    with pytest.raises(InvalidPointError):
        DisjunctiveProof(((Point.identity(), b0), pair1), proof.challenges, proof.responses)
    with pytest.raises(InvalidPointError):
        SchnorrProof(Point.identity(), Scalar(1))
    with pytest.raises(InvalidPointError):
        ChaumPedersenProof(a0, Point.identity(), Scalar(1))

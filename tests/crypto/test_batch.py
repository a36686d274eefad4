"""Batch verification: one random linear combination, and a fallback that names the bad proof."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.batch import BatchVerifier, verify_zero_or_one_batch
from crypto.contest import EncryptedContest, encrypt_contest
from crypto.elgamal import Ciphertext, ElGamalKeyPair, encrypt
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from crypto.proofs import (
    DisjunctiveProof,
    prove_correct_decryption,
    prove_disjunctive,
    prove_equal_dlog,
    prove_knowledge,
    prove_range,
    prove_zero_or_one,
)

CONTEXT = b"\x44" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0xBA7C4))
G = Point.generator()


def _selections(count: int) -> list[tuple[Ciphertext, DisjunctiveProof]]:
    items = []
    for i in range(count):
        r = Scalar(10_000 + i)
        ct = encrypt(KEYS.public, i % 2, r)
        items.append((ct, prove_zero_or_one(CONTEXT, KEYS.public, ct, i % 2, r)))
    return items


def _forged_for_two(r: Scalar) -> tuple[Ciphertext, DisjunctiveProof]:
    ct = encrypt(KEYS.public, 2, r)
    return ct, prove_disjunctive("zero_or_one", CONTEXT, KEYS.public, ct, 0, 1, 1, r)


def test_batch_of_valid_proofs_of_every_kind_verifies() -> None:
    verifier = BatchVerifier()
    for ct, proof in _selections(10):
        verifier.add_zero_or_one(CONTEXT, KEYS.public, ct, proof)
    verifier.add_knowledge(CONTEXT, KEYS.public, prove_knowledge(CONTEXT, KEYS.secret))
    h = Point.base_mul(Scalar(77))
    verifier.add_equal_dlog(CONTEXT, G, KEYS.public, h, KEYS.secret * h, prove_equal_dlog(CONTEXT, KEYS.secret, G, h))
    ct = encrypt(KEYS.public, 3, Scalar(5))
    share, proof = prove_correct_decryption(CONTEXT, KEYS.secret, ct)
    verifier.add_correct_decryption(CONTEXT, KEYS.public, ct, share, proof)
    verifier.add_range(CONTEXT, KEYS.public, ct, 4, prove_range(CONTEXT, KEYS.public, ct, 3, Scalar(5), 4))
    contest, _ = encrypt_contest(CONTEXT, KEYS.public, [0, 1, 0], 1, 1)
    index = verifier.add_contest(CONTEXT, KEYS.public, contest, 1, 1)
    assert index == len(verifier) - 1 == 14
    verifier.verify()
    assert verifier.invalid_indices() == []


def test_empty_batch_verifies() -> None:
    BatchVerifier().verify()


def test_batch_with_one_bad_proof_among_100_names_its_index() -> None:
    items = _selections(100)
    items[37] = _forged_for_two(Scalar(999))
    verifier = BatchVerifier()
    for ct, proof in items:
        verifier.add_zero_or_one(CONTEXT, KEYS.public, ct, proof)
    with pytest.raises(InvalidProofError, match=r"proof 37 \(zero_or_one\)") as caught:
        verifier.verify()
    assert caught.value.code == "invalid_proof"
    assert verifier.invalid_indices() == [37]


def test_batch_names_every_bad_proof() -> None:
    items = _selections(20)
    items[3] = _forged_for_two(Scalar(31))
    items[17] = (items[17][0], items[16][1])  # a valid proof, attached to the wrong ciphertext
    verifier = BatchVerifier()
    for ct, proof in items:
        verifier.add_zero_or_one(CONTEXT, KEYS.public, ct, proof)
    assert verifier.invalid_indices() == [3, 17]
    with pytest.raises(InvalidProofError, match="proof 3 "):
        verify_zero_or_one_batch(CONTEXT, KEYS.public, items)


def test_bad_proofs_cannot_cancel_each_other_in_the_combination() -> None:
    """Two errors that sum to zero (a + D and b − D) would pass an unweighted sum; random weights stop it."""
    items = _selections(2)
    delta = Point.base_mul(Scalar(123))
    (ct0, p0), (ct1, p1) = items
    a0, b0 = p0.commitments[0]
    a1, b1 = p1.commitments[0]
    bad0 = DisjunctiveProof(((a0 + delta, b0), p0.commitments[1]), p0.challenges, p0.responses)
    bad1 = DisjunctiveProof(((a1 - delta, b1), p1.commitments[1]), p1.challenges, p1.responses)
    verifier = BatchVerifier()
    verifier.add_zero_or_one(CONTEXT, KEYS.public, ct0, bad0)
    verifier.add_zero_or_one(CONTEXT, KEYS.public, ct1, bad1)
    with pytest.raises(InvalidProofError):
        verifier.verify()


def test_bad_decryption_share_in_a_batch_is_named() -> None:
    verifier = BatchVerifier()
    cts = [encrypt(KEYS.public, m, Scalar(50 + m)) for m in range(5)]
    for i, ct in enumerate(cts):
        share, proof = prove_correct_decryption(CONTEXT, KEYS.secret, ct)
        verifier.add_correct_decryption(CONTEXT, KEYS.public, ct, share + G if i == 2 else share, proof, label="t1")
    with pytest.raises(InvalidProofError, match=r"proof 2 \(t1\)"):
        verifier.verify()


def test_batched_contests_name_the_contest_and_the_selection() -> None:
    verifier = BatchVerifier()
    contests = [encrypt_contest(CONTEXT, KEYS.public, [0, 1, 0, 0], 1, 1)[0] for _ in range(4)]
    c = contests[2]
    proofs = list(c.selection_proofs)
    proofs[0], proofs[3] = proofs[3], proofs[0]
    contests[2] = EncryptedContest(1, 1, c.ciphertexts, tuple(proofs), c.limit_proof)
    for i, contest in enumerate(contests):
        verifier.add_contest(CONTEXT, KEYS.public, contest, 1, 1, label=f"ballot {i}")
    with pytest.raises(InvalidProofError, match=r"proof 2 \(ballot 2\) does not verify: selection 0"):
        verifier.verify()


def test_statement_error_while_adding_names_the_index_and_keeps_the_code() -> None:
    verifier = BatchVerifier()
    good, _ = encrypt_contest(CONTEXT, KEYS.public, [0, 1], 1, 1)
    verifier.add_contest(CONTEXT, KEYS.public, good, 1, 1)
    shared = [Scalar(8), Scalar(8)]
    cts = [encrypt(KEYS.public, m, r) for m, r in zip([1, 0], shared, strict=True)]
    bad = EncryptedContest(
        1,
        1,
        tuple(cts),
        tuple(prove_zero_or_one(CONTEXT, KEYS.public, ct, m, r) for ct, m, r in zip(cts, [1, 0], shared, strict=True)),
        good.limit_proof,
    )
    with pytest.raises(InvalidProofError, match="proof 1") as caught:
        verifier.add_contest(CONTEXT, KEYS.public, bad, 1, 1)
    assert caught.value.code == "reused_nonce"
    assert len(verifier) == 1
    verifier.verify()  # the batch is unchanged by the refused contest


@settings(max_examples=15, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=8))
def test_invalid_indices_are_exactly_the_bad_proofs(bad: list[bool]) -> None:
    verifier = BatchVerifier()
    for i, is_bad in enumerate(bad):
        r = Scalar(500 + i)
        ct, proof = _forged_for_two(r) if is_bad else _selections(1)[0]
        verifier.add_zero_or_one(CONTEXT, KEYS.public, ct, proof)
    assert verifier.invalid_indices() == [i for i, is_bad in enumerate(bad) if is_bad]

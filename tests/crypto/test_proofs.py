"""Schnorr, Chaum–Pedersen and correct-decryption proofs: completeness, soundness checks, strict bytes."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.contest import EncryptedContest, prove_contest_limit, verify_contest
from crypto.elgamal import Ciphertext, ElGamalKeyPair, encrypt
from crypto.errors import InvalidPointError, InvalidProofError, NonCanonicalError, ParameterError
from crypto.group import ORDER, Point, Scalar
from crypto.proofs import (
    KIND_ZERO_OR_ONE,
    ZERO_OR_ONE_PROOF_BYTES,
    ChaumPedersenProof,
    DisjunctiveProof,
    SchnorrProof,
    disjunctive_challenge,
    disjunctive_proof_size,
    disjunctive_relations,
    prove_correct_decryption,
    prove_disjunctive,
    prove_equal_dlog,
    prove_knowledge,
    prove_range,
    prove_zero_or_one,
    schnorr_challenge,
    verify_correct_decryption,
    verify_equal_dlog,
    verify_knowledge,
    verify_range,
    verify_zero_or_one,
    zero_or_one_relations,
)
from crypto.relations import check_relations, relation_holds

CONTEXT = bytes(range(32))
G = Point.generator()
H = Point.base_mul(Scalar(0xB0B))  # a second base for the Chaum–Pedersen tests
secrets_ = st.integers(min_value=1, max_value=ORDER - 1).map(Scalar)


@settings(max_examples=20, deadline=None)
@given(secrets_, secrets_)
def test_schnorr_proof_is_complete(x: Scalar, u: Scalar) -> None:
    proof = prove_knowledge(CONTEXT, x, u)
    verify_knowledge(CONTEXT, x * G, proof)
    assert SchnorrProof.from_bytes(proof.to_bytes()) == proof


@settings(max_examples=20, deadline=None)
@given(secrets_, secrets_)
def test_chaum_pedersen_proof_is_complete(x: Scalar, u: Scalar) -> None:
    proof = prove_equal_dlog(CONTEXT, x, G, H, u)
    verify_equal_dlog(CONTEXT, G, x * G, H, x * H, proof)
    assert ChaumPedersenProof.from_bytes(proof.to_bytes()) == proof


@settings(max_examples=10, deadline=None)
@given(secrets_, st.integers(0, 1000), secrets_)
def test_decryption_proof_is_complete(s: Scalar, m: int, r: Scalar) -> None:
    keys = ElGamalKeyPair.from_secret(s)
    ct = encrypt(keys.public, m, r)
    share, proof = prove_correct_decryption(CONTEXT, s, ct)
    assert share == s * ct.alpha
    verify_correct_decryption(CONTEXT, keys.public, ct, share, proof)


def test_random_nonces_give_different_valid_proofs() -> None:
    x = Scalar.random()
    p1, p2 = prove_knowledge(CONTEXT, x), prove_knowledge(CONTEXT, x)
    assert p1 != p2
    verify_knowledge(CONTEXT, x * G, p1)
    verify_knowledge(CONTEXT, x * G, p2)


def test_schnorr_proof_for_another_key_is_rejected() -> None:
    proof = prove_knowledge(CONTEXT, Scalar(5), Scalar(7))
    with pytest.raises(InvalidProofError):
        verify_knowledge(CONTEXT, Scalar(6) * G, proof)


def test_schnorr_proof_replayed_in_another_election_is_rejected() -> None:
    proof = prove_knowledge(CONTEXT, Scalar(5), Scalar(7))
    with pytest.raises(InvalidProofError):
        verify_knowledge(bytes(32), Scalar(5) * G, proof)


def test_chaum_pedersen_proof_of_unequal_logs_is_rejected() -> None:
    proof = prove_equal_dlog(CONTEXT, Scalar(5), G, H, Scalar(9))
    with pytest.raises(InvalidProofError):
        verify_equal_dlog(CONTEXT, G, Scalar(5) * G, H, Scalar(6) * H, proof)


def test_decryption_share_that_is_not_secret_times_alpha_is_rejected() -> None:
    keys = ElGamalKeyPair.from_secret(Scalar(41))
    ct = encrypt(keys.public, 2, Scalar(3))
    share, proof = prove_correct_decryption(CONTEXT, keys.secret, ct, Scalar(8))
    with pytest.raises(InvalidProofError):
        verify_correct_decryption(CONTEXT, keys.public, ct, share + G, proof)


def test_decryption_proof_moved_to_another_ciphertext_beta_is_rejected() -> None:
    keys = ElGamalKeyPair.from_secret(Scalar(41))
    ct = encrypt(keys.public, 2, Scalar(3))
    share, proof = prove_correct_decryption(CONTEXT, keys.secret, ct, Scalar(8))
    other = type(ct)(ct.alpha, ct.beta + G)  # same alpha, so the same share; beta is bound by the challenge
    with pytest.raises(InvalidProofError):
        verify_correct_decryption(CONTEXT, keys.public, other, share, proof)


def test_schnorr_proof_with_identity_commitment_is_rejected_at_decoding() -> None:
    raw = bytes(33) + Scalar(1).to_bytes()
    with pytest.raises(InvalidPointError):
        SchnorrProof.from_bytes(raw)


def test_schnorr_response_not_below_order_is_rejected_at_decoding() -> None:
    proof = prove_knowledge(CONTEXT, Scalar(5), Scalar(7))
    raw = proof.commitment.to_bytes() + ORDER.to_bytes(32, "big")
    with pytest.raises(NonCanonicalError):
        SchnorrProof.from_bytes(raw)


def test_chaum_pedersen_response_aliased_above_order_is_rejected_at_decoding() -> None:
    proof = prove_equal_dlog(CONTEXT, Scalar(5), G, H, Scalar(9))
    aliased = ORDER + int(proof.response) % (2**256 - ORDER)  # same value mod n when response is small
    raw = proof.to_bytes()[:66] + aliased.to_bytes(32, "big")
    with pytest.raises(NonCanonicalError):
        ChaumPedersenProof.from_bytes(raw)


@pytest.mark.parametrize("length", [0, 64, 66, 97, 99])
def test_proofs_of_wrong_length_are_non_canonical(length: int) -> None:
    with pytest.raises(NonCanonicalError):
        SchnorrProof.from_bytes(bytes(length))
    with pytest.raises(NonCanonicalError):
        ChaumPedersenProof.from_bytes(bytes(length))


def test_zero_secret_or_nonce_is_refused_by_the_prover() -> None:
    with pytest.raises(ParameterError):
        prove_knowledge(CONTEXT, Scalar(0))
    with pytest.raises(ParameterError):
        prove_knowledge(CONTEXT, Scalar(1), Scalar(0))


def test_identity_base_is_refused() -> None:
    with pytest.raises(InvalidProofError):
        prove_equal_dlog(CONTEXT, Scalar(3), G, Point.identity())
    proof = prove_equal_dlog(CONTEXT, Scalar(3), G, H, Scalar(4))
    with pytest.raises(InvalidProofError):
        verify_equal_dlog(CONTEXT, G, Scalar(3) * G, Point.identity(), Point.identity(), proof)


# --------------------------------------------------------------------------------------------------
# Disjunctive proofs: 0/1 and range.
# --------------------------------------------------------------------------------------------------

KEYS = ElGamalKeyPair.from_secret(Scalar(0xC0FFEE))
bits = st.integers(min_value=0, max_value=1)


@settings(max_examples=20, deadline=None)
@given(bits, secrets_)
def test_zero_or_one_proof_is_complete(m: int, r: Scalar) -> None:
    ct = encrypt(KEYS.public, m, r)
    proof = prove_zero_or_one(CONTEXT, KEYS.public, ct, m, r)
    verify_zero_or_one(CONTEXT, KEYS.public, ct, proof)
    raw = proof.to_bytes()
    assert len(raw) == ZERO_OR_ONE_PROOF_BYTES == 228
    assert DisjunctiveProof.from_bytes(raw, 2) == proof


def test_selection_with_its_proof_fits_in_300_bytes() -> None:
    ct = encrypt(KEYS.public, 1, Scalar(3))
    proof = prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, Scalar(3))
    assert len(ct.to_bytes() + proof.to_bytes()) == 294


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=6).flatmap(lambda r: st.tuples(st.just(r), st.integers(0, r))), secrets_)
def test_range_proof_is_complete(bounds: tuple[int, int], r: Scalar) -> None:
    max_value, m = bounds
    ct = encrypt(KEYS.public, m, r)
    proof = prove_range(CONTEXT, KEYS.public, ct, m, r, max_value)
    assert proof.branches == max_value + 1
    assert len(proof.to_bytes()) == disjunctive_proof_size(max_value + 1)
    verify_range(CONTEXT, KEYS.public, ct, max_value, proof)
    assert DisjunctiveProof.from_bytes(proof.to_bytes(), max_value + 1) == proof


def test_range_proof_checked_against_a_smaller_range_is_rejected() -> None:
    ct = encrypt(KEYS.public, 2, Scalar(11))
    proof = prove_range(CONTEXT, KEYS.public, ct, 2, Scalar(11), 3)
    with pytest.raises(InvalidProofError):
        verify_range(CONTEXT, KEYS.public, ct, 2, proof)


def test_range_proof_is_not_a_zero_or_one_proof() -> None:
    """Domain separation: a 0..1 range proof does not pass as a 0/1 proof (different transcript kind)."""
    ct = encrypt(KEYS.public, 1, Scalar(11))
    proof = prove_range(CONTEXT, KEYS.public, ct, 1, Scalar(11), 1)
    verify_range(CONTEXT, KEYS.public, ct, 1, proof)
    with pytest.raises(InvalidProofError):
        verify_zero_or_one(CONTEXT, KEYS.public, ct, proof)


def test_prover_refuses_a_message_outside_the_range() -> None:
    ct = encrypt(KEYS.public, 2, Scalar(11))
    with pytest.raises(ParameterError):
        prove_zero_or_one(CONTEXT, KEYS.public, ct, 2, Scalar(11))


def test_fixed_proof_nonces_make_the_proof_deterministic() -> None:
    ct = encrypt(KEYS.public, 1, Scalar(11))
    nonces = [Scalar(1), Scalar(2), Scalar(3)]
    p1 = prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, Scalar(11), nonces)
    p2 = prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, Scalar(11), nonces)
    assert p1 == p2
    assert p1.challenges[0] == Scalar(2)  # branch 0 is simulated with c_0 = 2, v_0 = 3
    assert p1.responses[0] == Scalar(3)


def test_wrong_number_of_proof_nonces_is_refused() -> None:
    ct = encrypt(KEYS.public, 1, Scalar(11))
    with pytest.raises(ParameterError):
        prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, Scalar(11), [Scalar(1)])


def test_one_branch_disjunctive_proof_is_a_chaum_pedersen_proof_of_exact_value() -> None:
    ct = encrypt(KEYS.public, 4, Scalar(11))
    proof = prove_disjunctive("exact", CONTEXT, KEYS.public, ct, 4, 4, 4, Scalar(11))
    assert proof.challenges == () and len(proof.to_bytes()) == 98
    check_relations(disjunctive_relations("exact", CONTEXT, KEYS.public, ct, 4, 4, proof), "exact")
    with pytest.raises(InvalidProofError):
        check_relations(disjunctive_relations("exact", CONTEXT, KEYS.public, ct, 3, 3, proof), "exact")


def test_relations_hold_exactly_one_by_one() -> None:
    """The random combination and the exact per-relation check agree on an honest proof."""
    ct = encrypt(KEYS.public, 0, Scalar(5))
    proof = prove_zero_or_one(CONTEXT, KEYS.public, ct, 0, Scalar(5))
    relations = zero_or_one_relations(CONTEXT, KEYS.public, ct, proof)
    assert len(relations) == 4
    assert all(relation_holds(r) for r in relations)


# --------------------------------------------------------------------------------------------------
# Pinned vectors: fixed inputs and nonces give these exact bytes (tests/vectors/crypto_proofs.json).
# Regenerate only on a deliberate format change: uv run --frozen python -m tests.crypto.test_proofs --write
# --------------------------------------------------------------------------------------------------

VECTORS_PATH = Path(__file__).resolve().parents[1] / "vectors" / "crypto_proofs.json"
VECTOR_CONTEXT = hashlib.sha256(b"Shailoo crypto_proofs.json test vectors").digest()
VECTOR_SECRET = Scalar(0x1D0C7E57_5EC2E7)


def _s(value: int) -> Scalar:
    return Scalar(value)


def build_vectors() -> dict[str, Any]:
    """Every proof kind with fixed inputs; hex of every input and output."""
    keys = ElGamalKeyPair.from_secret(VECTOR_SECRET)
    k = keys.public
    vectors: dict[str, Any] = {
        "context": VECTOR_CONTEXT.hex(),
        "secret_key": VECTOR_SECRET.hex(),
        "public_key": k.hex(),
    }
    schnorr = prove_knowledge(VECTOR_CONTEXT, VECTOR_SECRET, _s(0x5C4))
    vectors["schnorr"] = {
        "nonce": _s(0x5C4).hex(),
        "challenge": schnorr_challenge(VECTOR_CONTEXT, k, schnorr.commitment).hex(),
        "proof": schnorr.to_bytes().hex(),
    }
    h = Point.base_mul(_s(0xBA5E2))
    cp = prove_equal_dlog(VECTOR_CONTEXT, VECTOR_SECRET, G, h, _s(0xC9))
    vectors["chaum_pedersen"] = {
        "base2": h.hex(),
        "public2": (VECTOR_SECRET * h).hex(),
        "nonce": _s(0xC9).hex(),
        "proof": cp.to_bytes().hex(),
    }
    ct = encrypt(k, 42, _s(0x42))
    share, dproof = prove_correct_decryption(VECTOR_CONTEXT, VECTOR_SECRET, ct, _s(0xDEC))
    vectors["correct_decryption"] = {
        "ciphertext": ct.to_bytes().hex(),
        "nonce": _s(0xDEC).hex(),
        "share": share.hex(),
        "proof": dproof.to_bytes().hex(),
    }
    vectors["zero_or_one"] = []
    for m in (0, 1):
        r, nonces = _s(0x100 + m), [_s(0x200 + m), _s(0x300 + m), _s(0x400 + m)]
        ct = encrypt(k, m, r)
        proof = prove_zero_or_one(VECTOR_CONTEXT, k, ct, m, r, nonces)
        vectors["zero_or_one"].append(
            {
                "message": m,
                "nonce": r.hex(),
                "proof_nonces": [x.hex() for x in nonces],
                "ciphertext": ct.to_bytes().hex(),
                "challenge": disjunctive_challenge(
                    KIND_ZERO_OR_ONE, VECTOR_CONTEXT, k, ct, 0, 1, proof.commitment_points()
                ).hex(),
                "proof": proof.to_bytes().hex(),
            }
        )
    r, nonces = _s(0x500), [_s(0x600 + i) for i in range(7)]
    ct = encrypt(k, 2, r)
    vectors["range"] = {
        "max_value": 3,
        "message": 2,
        "nonce": r.hex(),
        "proof_nonces": [x.hex() for x in nonces],
        "ciphertext": ct.to_bytes().hex(),
        "proof": prove_range(VECTOR_CONTEXT, k, ct, 2, r, 3, nonces).to_bytes().hex(),
    }
    vectors["contest"] = _contest_vector(k)
    return vectors


def _contest_vector(k: Point) -> dict[str, Any]:
    selections, nonces = [0, 1, 0], [_s(0x700 + i) for i in range(3)]
    bit_nonces = [[_s(0x800 + 3 * i + j) for j in range(3)] for i in range(3)]
    limit_nonces = [_s(0x900 + i) for i in range(3)]
    cts = [encrypt(k, m, r) for m, r in zip(selections, nonces, strict=True)]
    proofs = tuple(
        prove_zero_or_one(VECTOR_CONTEXT, k, ct, m, r, pn)
        for ct, m, r, pn in zip(cts, selections, nonces, bit_nonces, strict=True)
    )
    limit = prove_contest_limit(VECTOR_CONTEXT, k, cts, 1, sum(nonces, Scalar(0)), 0, 1, limit_nonces)
    contest = EncryptedContest(0, 1, tuple(cts), proofs, limit)
    return {
        "selections": selections,
        "min_marks": 0,
        "max_marks": 1,
        "nonces": [x.hex() for x in nonces],
        "selection_proof_nonces": [[x.hex() for x in row] for row in bit_nonces],
        "limit_proof_nonces": [x.hex() for x in limit_nonces],
        "bytes": contest.to_bytes().hex(),
    }


def load_vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return data


def test_pinned_vectors_still_produce_the_same_bytes() -> None:
    assert build_vectors() == load_vectors()


def test_pinned_vectors_verify_from_their_bytes() -> None:
    v = load_vectors()
    context, k = bytes.fromhex(v["context"]), Point.from_hex(v["public_key"])
    verify_knowledge(context, k, SchnorrProof.from_bytes(bytes.fromhex(v["schnorr"]["proof"])))
    cp = v["chaum_pedersen"]
    verify_equal_dlog(
        context,
        G,
        k,
        Point.from_hex(cp["base2"]),
        Point.from_hex(cp["public2"]),
        ChaumPedersenProof.from_bytes(bytes.fromhex(cp["proof"])),
    )
    dec = v["correct_decryption"]
    verify_correct_decryption(
        context,
        k,
        Ciphertext.from_bytes(bytes.fromhex(dec["ciphertext"])),
        Point.from_hex(dec["share"]),
        ChaumPedersenProof.from_bytes(bytes.fromhex(dec["proof"])),
    )
    for item in v["zero_or_one"]:
        ct = Ciphertext.from_bytes(bytes.fromhex(item["ciphertext"]))
        verify_zero_or_one(context, k, ct, DisjunctiveProof.from_bytes(bytes.fromhex(item["proof"]), 2))
    rng = v["range"]
    verify_range(
        context,
        k,
        Ciphertext.from_bytes(bytes.fromhex(rng["ciphertext"])),
        rng["max_value"],
        DisjunctiveProof.from_bytes(bytes.fromhex(rng["proof"]), rng["max_value"] + 1),
    )
    contest = EncryptedContest.from_bytes(bytes.fromhex(v["contest"]["bytes"]))
    verify_contest(context, k, contest, v["contest"]["min_marks"], v["contest"]["max_marks"])


if __name__ == "__main__" and "--write" in sys.argv:
    VECTORS_PATH.write_text(json.dumps(build_vectors(), indent=2) + "\n", encoding="utf-8")

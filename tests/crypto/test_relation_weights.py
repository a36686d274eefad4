"""The random weights of a batch and the chunked multi-scalar multiplication. (Written to kill mutants that survived
`.ci/mutation`: weights of 112 bits, or all equal to 1, or the generator counted once per chunk, passed every test.)"""

from __future__ import annotations

from crypto.batch import BatchVerifier
from crypto.elgamal import ElGamalKeyPair, encrypt
from crypto.group import Scalar
from crypto.proofs import prove_zero_or_one
from crypto.relations import MSM_CHUNK, WEIGHT_BITS, random_weights

CONTEXT = b"\x77" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0x3E1647))


def test_weights_are_distinct_and_use_all_their_bits() -> None:
    """A predictable weight (1, or the same for all) lets two false relations cancel; a short one weakens the
    2^-128 bound. Among 64 weights of 128 bits, one below 2^120 for all is a 2^-512 event."""
    weights = random_weights(64)
    assert len(weights) == 64 and len(set(weights)) == 64
    assert all(0 < w < 2**WEIGHT_BITS for w in weights)
    assert max(w.bit_length() for w in weights) > WEIGHT_BITS - 8


def test_valid_batch_larger_than_one_msm_chunk_verifies() -> None:
    """Over MSM_CHUNK distinct points the combination is split into chunks; the generator term is added once."""
    verifier = BatchVerifier()
    count = MSM_CHUNK // 4 + 10  # 6 distinct points per 0/1 proof beside K
    for i in range(count):
        r = Scalar(500 + i)
        ct = encrypt(KEYS.public, i % 2, r)
        verifier.add_zero_or_one(CONTEXT, KEYS.public, ct, prove_zero_or_one(CONTEXT, KEYS.public, ct, i % 2, r))
    verifier.verify()
    assert verifier.invalid_indices() == []

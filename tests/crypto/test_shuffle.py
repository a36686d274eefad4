"""The verifiable shuffle (docs/spec/shuffle.md): honest shuffles verify, and every cheating mixer is refused.

Each attack test starts from one honest shuffle and changes exactly one thing: one output ciphertext, the
number of outputs, or one deviation of the prover (`crypto.shuffle._Cheat`). Each of the five groups of
relations of spec §5 has an attack that only it catches (see the test names).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.elgamal import Ciphertext, ElGamalKeyPair, decrypt_to_point, encrypt
from crypto.errors import InvalidPointError, InvalidProofError, NonCanonicalError
from crypto.group import ORDER, Point, Scalar
from crypto.shuffle import (
    SHAPE_MISMATCH_CODE,
    Row,
    SecretsSource,
    ShuffleProof,
    ShuffleShapeError,
    _Cheat,
    _prove,
    _statement_transcript,
    permutation_challenges,
    prove_shuffle,
    reencrypt,
    rows_from_bytes,
    rows_to_bytes,
    shuffle,
    verify_shuffle,
)

CONTEXT = b"\x5a" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0x5E1EC7))
G = Point.generator()


def _rows(count: int, width: int = 1, start: int = 1) -> list[Row]:
    return [
        tuple(encrypt(KEYS.public, start + i * width + k, Scalar(1000 + i * width + k)) for k in range(width))
        for i in range(count)
    ]


def _plaintexts(rows: list[Row]) -> list[tuple[Point, ...]]:
    return [tuple(decrypt_to_point(ct, KEYS.secret) for ct in row) for row in rows]


def _honest(count: int = 5, width: int = 1) -> tuple[list[Row], list[Row], list[int], ShuffleProof]:
    inputs = _rows(count, width)
    outputs, permutation, proof = shuffle(CONTEXT, KEYS.public, inputs)
    return inputs, outputs, permutation, proof


def _witness(inputs: list[Row], permutation: list[int], width: int) -> tuple[list[Row], list[tuple[Scalar, ...]]]:
    nonces = [tuple(Scalar(77 + 10 * i + k) for k in range(width)) for i in range(len(inputs))]
    outputs = [
        tuple(reencrypt(KEYS.public, ct, r) for ct, r in zip(inputs[j], nonces[i], strict=True))
        for i, j in enumerate(permutation)
    ]
    return outputs, nonces


# ----------------------------------------------------------------------------------------------
# Honest shuffles.
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "width"), [(1, 1), (2, 1), (7, 1), (4, 3)])
def test_an_honest_shuffle_verifies_and_permutes_the_plaintexts(count: int, width: int) -> None:
    inputs, outputs, permutation, proof = _honest(count, width)
    verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, proof)
    before, after = _plaintexts(inputs), _plaintexts(outputs)
    assert after == [before[j] for j in permutation]
    # Every ciphertext is re-encrypted: no output equals its input.
    assert all(o != inputs[j][k] for i, j in enumerate(permutation) for k, o in enumerate(outputs[i]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=9).flatmap(lambda n: st.permutations(list(range(n)))))
def test_property_every_permutation_proves_and_verifies(permutation: list[int]) -> None:
    inputs = _rows(len(permutation), 2)
    outputs, nonces = _witness(inputs, permutation, 2)
    proof = prove_shuffle(CONTEXT, KEYS.public, inputs, outputs, permutation, nonces)
    verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, ShuffleProof.from_bytes(proof.to_bytes()))
    assert _plaintexts(outputs) == [_plaintexts(inputs)[j] for j in permutation]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=2, max_value=8).flatmap(
        lambda n: st.tuples(st.permutations(list(range(n))), st.integers(min_value=0, max_value=n - 1))
    )
)
def test_property_altering_any_one_output_is_refused(case: tuple[list[int], int]) -> None:
    permutation, victim = case
    inputs = _rows(len(permutation))
    outputs, nonces = _witness(inputs, permutation, 1)
    proof = prove_shuffle(CONTEXT, KEYS.public, inputs, outputs, permutation, nonces)
    forged = list(outputs)
    forged[victim] = (Ciphertext(outputs[victim][0].alpha, outputs[victim][0].beta + G),)
    with pytest.raises(InvalidProofError) as e:
        verify_shuffle(CONTEXT, KEYS.public, inputs, forged, proof)
    assert e.value.code == "invalid_proof"


# ----------------------------------------------------------------------------------------------
# Outputs changed after an honest proof.
# ----------------------------------------------------------------------------------------------


def test_dropping_one_output_is_refused_for_its_shape() -> None:
    inputs, outputs, _, proof = _honest()
    with pytest.raises(ShuffleShapeError) as e:
        verify_shuffle(CONTEXT, KEYS.public, inputs, outputs[:-1], proof)
    assert e.value.code == SHAPE_MISMATCH_CODE


def test_the_identity_as_the_key_is_refused_before_the_shapes() -> None:
    """shuffle.md §5: K = identity is `invalid_proof`, checked first (the second verifier does the same)."""
    inputs, outputs, _, proof = _honest()
    with pytest.raises(InvalidProofError):
        verify_shuffle(CONTEXT, Point.identity(), inputs, outputs[:-1], proof)


def test_duplicating_one_output_over_another_is_refused() -> None:
    inputs, outputs, _, proof = _honest()
    forged = [outputs[0], *outputs[:1], *outputs[2:]]
    assert len(forged) == len(outputs)
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, forged, proof)


def test_altering_one_output_is_refused() -> None:
    inputs, outputs, _, proof = _honest()
    forged = list(outputs)
    forged[2] = (reencrypt(KEYS.public, outputs[2][0], Scalar(5)),)  # same plaintext, other nonce
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, forged, proof)


def test_a_proof_is_bound_to_its_election_context() -> None:
    inputs, outputs, _, proof = _honest()
    with pytest.raises(InvalidProofError):
        verify_shuffle(b"\x5b" + CONTEXT[1:], KEYS.public, inputs, outputs, proof)


def test_a_proof_is_bound_to_its_inputs() -> None:
    inputs, outputs, _, proof = _honest()
    other_inputs = list(inputs)
    other_inputs[0] = (reencrypt(KEYS.public, inputs[0][0], Scalar(9)),)
    with pytest.raises(InvalidProofError):
        verify_shuffle(CONTEXT, KEYS.public, other_inputs, outputs, proof)


def test_a_proof_for_another_width_is_refused_for_its_shape() -> None:
    inputs, outputs, _, proof = _honest(3, 2)
    with pytest.raises(ShuffleShapeError):
        verify_shuffle(CONTEXT, KEYS.public, [r[:1] for r in inputs], [r[:1] for r in outputs], proof)


# ----------------------------------------------------------------------------------------------
# Cheating provers: each proves with the honest arithmetic but one deviation, caught by one relation.
# ----------------------------------------------------------------------------------------------


def _scaled(ct: Ciphertext, factor: Scalar) -> Ciphertext:
    return Ciphertext(ct.alpha * factor, ct.beta * factor)


def _linear_outputs(inputs: list[Row], a: list[list[Scalar]]) -> tuple[list[Row], list[tuple[Scalar, ...]]]:
    """output_i = Σ_j A[i][j]·input_j, re-encrypted: what a mixer can compute from the inputs alone."""
    nonces = [(Scalar(300 + i),) for i in range(len(inputs))]
    outputs = []
    for i, row in enumerate(a):
        terms = [_scaled(inputs[j][0], x) for j, x in enumerate(row) if not x.is_zero()]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        outputs.append((reencrypt(KEYS.public, total, nonces[i][0]),))
    return outputs, nonces


def _matrix(rows: list[list[int | Scalar]]) -> list[list[Scalar]]:
    return [[x if isinstance(x, Scalar) else Scalar(x) for x in row] for row in rows]


HALF = Scalar(2).inverse()
IDENTITY_4 = [0, 1, 2, 3]


def _cheating_proof(a: list[list[Scalar]], cheat: _Cheat) -> tuple[list[Row], list[Row], ShuffleProof]:
    """A mixer that claims the matrix ``cheat.matrix`` = B (u' = B·u) and outputs A·inputs (re-encrypted)."""
    inputs = _rows(len(a))
    outputs, nonces = _linear_outputs(inputs, a)
    proof = _prove(CONTEXT, KEYS.public, inputs, outputs, IDENTITY_4, nonces, SecretsSource(), cheat)
    return inputs, outputs, proof


def test_the_cheat_hook_with_the_permutation_matrix_is_honest() -> None:
    p = _matrix([[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]])
    inputs, outputs, proof = _cheating_proof(p, _Cheat(matrix=tuple(tuple(r) for r in p)))
    verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, proof)


def test_mixer_duplicating_one_ballot_over_another_is_refused() -> None:
    # Outputs re-encrypt inputs 0, 0, 2, 3: input 1 is dropped, input 0 counted twice.
    b = _matrix([[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    inputs, outputs, proof = _cheating_proof(b, _Cheat(matrix=tuple(tuple(r) for r in b)))
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, proof)


# B has rows summing to one (t1 holds) and A = B^-T keeps Σ u'·outputs = Σ u·inputs (t4 holds), yet the outputs
# decrypt to m_0/2 and m_0/2 + m_1: only the product Π u'_i = (2u_0 − u_1)·u_1·u_2·u_3 ≠ Π u_j gives it away.
MIXING_B = _matrix([[2, -1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
MIXING_A = _matrix([[HALF, 0, 0, 0], [HALF, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])


def test_mixer_blending_two_ballots_is_caught_by_the_chain_product_t2() -> None:
    inputs, outputs, proof = _cheating_proof(MIXING_A, _Cheat(matrix=tuple(tuple(r) for r in MIXING_B)))
    assert _plaintexts(outputs)[1] != _plaintexts(inputs)[1]
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, proof)


def test_mixer_forging_the_chain_end_is_caught_by_the_chain_links_t_hat() -> None:
    # The same blending, with ĉ_N made to open to Π u_j so that t2 holds: the last link is then wrong.
    cheat = _Cheat(matrix=tuple(tuple(r) for r in MIXING_B), forge_chain_end=True)
    inputs, outputs, proof = _cheating_proof(MIXING_A, cheat)
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, proof)


# diag(2, 1/2, 1, 1): Π u' = Π u (t2 holds) and outputs m_0/2, 2·m_1 keep t4; the rows of B sum to 2 and 1/2.
SCALING_B = _matrix([[2, 0, 0, 0], [0, HALF, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
SCALING_A = _matrix([[HALF, 0, 0, 0], [0, 2, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])


def test_mixer_scaling_plaintexts_with_a_committed_matrix_is_caught_by_the_row_sums_t1() -> None:
    inputs, outputs, proof = _cheating_proof(SCALING_A, _Cheat(matrix=tuple(tuple(r) for r in SCALING_B)))
    assert _plaintexts(outputs)[0] != _plaintexts(inputs)[0]
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, proof)


def test_mixer_scaling_plaintexts_behind_an_honest_commitment_is_caught_by_the_opening_t3() -> None:
    cheat = _Cheat(matrix=tuple(tuple(r) for r in SCALING_B), commit_permutation=True)
    inputs, outputs, proof = _cheating_proof(SCALING_A, cheat)
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, proof)


def test_mixer_replacing_one_ballot_is_caught_by_the_reencryption_t4() -> None:
    # An honest permutation and proof, except that output 1 carries a ballot of the mixer's choosing.
    permutation = [3, 1, 0, 2]
    inputs = _rows(4)
    outputs, nonces = _witness(inputs, permutation, 1)
    outputs[1] = (encrypt(KEYS.public, 99, Scalar(4242)),)
    proof = _prove(CONTEXT, KEYS.public, inputs, outputs, permutation, nonces, SecretsSource())
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, outputs, proof)


# ----------------------------------------------------------------------------------------------
# Strong Fiat–Shamir: other rows with the same weighted sums would pass every equation if the rows were
# not hashed into the challenges.
# ----------------------------------------------------------------------------------------------

DELTA = encrypt(KEYS.public, 5, Scalar(7))


def test_inputs_with_the_same_weighted_sum_are_refused_because_inputs_are_hashed() -> None:
    inputs, outputs, _, proof = _honest(4)
    u = permutation_challenges(
        _statement_transcript(CONTEXT, KEYS.public, inputs, outputs, proof.permutation_commitments), 4
    )
    forged = list(inputs)
    forged[0] = (inputs[0][0] + _scaled(DELTA, u[1]),)
    forged[1] = (inputs[1][0] + _scaled(DELTA, -u[0]),)
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, forged, outputs, proof)


def test_outputs_with_the_same_weighted_sum_are_refused_because_outputs_are_hashed() -> None:
    inputs, outputs, _, proof = _honest(4)
    s = proof.permutation_responses
    forged = list(outputs)
    forged[0] = (outputs[0][0] + _scaled(DELTA, s[1]),)
    forged[1] = (outputs[1][0] + _scaled(DELTA, -s[0]),)
    with pytest.raises(InvalidProofError, match="shuffle proof does not verify"):
        verify_shuffle(CONTEXT, KEYS.public, inputs, forged, proof)


def test_the_public_prover_refuses_a_non_permutation() -> None:
    inputs = _rows(3)
    outputs, nonces = _witness(inputs, [0, 0, 2], 1)
    with pytest.raises(Exception, match="every input index once"):
        prove_shuffle(CONTEXT, KEYS.public, inputs, outputs, [0, 0, 2], nonces)


# ----------------------------------------------------------------------------------------------
# Bytes.
# ----------------------------------------------------------------------------------------------


def test_proof_and_rows_round_trip_through_bytes() -> None:
    _, outputs, _, proof = _honest(3, 2)
    data = proof.to_bytes()
    assert len(data) == ShuffleProof.size(3, 2)
    assert ShuffleProof.from_bytes(data) == proof
    assert rows_from_bytes(rows_to_bytes(outputs)) == outputs


def test_proof_decoding_is_strict() -> None:
    _, _, _, proof = _honest(2)
    data = proof.to_bytes()
    with pytest.raises(NonCanonicalError):
        ShuffleProof.from_bytes(b"\x02" + data[1:])  # unknown version
    with pytest.raises(NonCanonicalError):
        ShuffleProof.from_bytes(data[:-1])
    with pytest.raises(NonCanonicalError):
        ShuffleProof.from_bytes(data[:1] + (3).to_bytes(4, "big") + data[5:])  # claims 3 rows
    with pytest.raises(InvalidPointError):
        ShuffleProof.from_bytes(data[:9] + bytes(33) + data[42:])  # identity commitment
    with pytest.raises(NonCanonicalError):
        ShuffleProof.from_bytes(data[:-32] + ORDER.to_bytes(32, "big"))  # response not below n


def test_rows_decoding_is_strict() -> None:
    data = rows_to_bytes(_rows(2, 2))
    with pytest.raises(NonCanonicalError):
        rows_from_bytes(data + b"\x00")
    with pytest.raises(NonCanonicalError):
        rows_from_bytes(data[:5] + (0).to_bytes(4, "big") + data[9:])
    with pytest.raises(InvalidPointError):
        rows_from_bytes(data[:9] + bytes(33) + data[42:])


def test_generators_derived_from_many_threads_at_once_are_in_order() -> None:
    import threading

    from crypto import shuffle as module
    from crypto.generators import independent_generator

    with module._GENERATORS_LOCK:
        del module._GENERATORS[:]
    threads = [threading.Thread(target=module.commitment_generators, args=(40,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert module.commitment_generators(40) == [independent_generator(f"shuffle/h/{i}") for i in range(40)]

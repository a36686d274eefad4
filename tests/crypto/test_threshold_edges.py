"""Threshold ElGamal at its edges: indices past n, complaints without a revealed share, missing trustee 1,
share vectors of the wrong length or trustee, k of the wrong type. (Written to kill mutants that survived
`.ci/mutation`.)"""

from __future__ import annotations

import json

import pytest

from crypto.elgamal import encrypt
from crypto.errors import NonCanonicalError, ParameterError
from crypto.group import Point, Scalar
from crypto.threshold import (
    Complaint,
    DecryptionShare,
    TrusteeKeyShare,
    check_complaint,
    check_decryption_shares,
    combine_decryption_share_vectors,
    compute_decryption_share,
    compute_decryption_shares,
    dkg_step3,
    lagrange_coefficient,
)
from tests.crypto.test_threshold import CONTEXT, Ceremony, corrupt_share, run_dkg, start_ceremony

G = Point.generator()


@pytest.fixture(scope="module")
def two_of_three() -> tuple[Ceremony, dict[int, TrusteeKeyShare]]:
    return run_dkg(3, 2)


def test_a_share_for_a_trustee_past_n_is_refused() -> None:
    state = start_ceremony(3, 2).states[1]
    with pytest.raises(ParameterError, match=r"1\.\.3"):
        state.share_for(4)


def test_a_key_share_with_an_index_past_n_is_refused(two_of_three: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    key = two_of_three[1][1]
    with pytest.raises(ParameterError, match=r"1\.\.3"):
        TrusteeKeyShare(4, 3, 2, key.secret_share, key.public_share, key.joint_public_key)


def test_complaint_without_a_revealed_share_round_trips_and_names_the_accused() -> None:
    """An undecryptable share is opened with revealed_share = None (JSON null) and judged against its dealer."""
    ceremony = start_ceremony(3, 2)
    corrupt_share(ceremony, dealer=2, victim=1, share=ceremony.states[2].share_for(1), key=Point.base_mul(99))
    (complaint,) = dkg_step3(CONTEXT, ceremony.states[1], ceremony.commitments, ceremony.inbox(1)).complaints
    posted = json.loads(json.dumps(complaint.to_dict()))
    assert posted["revealed_share"] is None
    assert Complaint.from_dict(posted) == complaint
    verdict = check_complaint(
        CONTEXT, complaint, ceremony.encrypted(2, 1), ceremony.commitment(2), ceremony.commitment(1)
    )
    assert (verdict.complainer, verdict.accused, verdict.guilty) == (1, 2, 2)


def test_trustee_1_sending_nothing_is_reported_missing() -> None:
    ceremony = start_ceremony(3, 2)
    inbox = [e for e in ceremony.inbox(3) if e.sender != 1]
    assert dkg_step3(CONTEXT, ceremony.states[3], ceremony.commitments, inbox).missing == (1,)


def test_a_decryption_share_of_the_identity_cannot_be_constructed(
    two_of_three: tuple[Ceremony, dict[int, TrusteeKeyShare]],
) -> None:
    share = compute_decryption_share(CONTEXT, 1, two_of_three[1][1].secret_share, encrypt(G, 1, Scalar(3)))
    with pytest.raises(ParameterError, match="other than the identity"):
        DecryptionShare(1, Point.identity(), share.proof)


@pytest.mark.parametrize("delta", [-1, 1])
def test_a_decryption_share_of_the_wrong_length_is_refused(
    two_of_three: tuple[Ceremony, dict[int, TrusteeKeyShare]], delta: int
) -> None:
    raw = compute_decryption_share(CONTEXT, 1, two_of_three[1][1].secret_share, encrypt(G, 1, Scalar(3))).to_bytes()
    bad = raw[:delta] if delta < 0 else raw + bytes(delta)
    with pytest.raises(NonCanonicalError, match="exactly 135 bytes"):
        DecryptionShare.from_bytes(bad)


def test_lagrange_set_must_hold_the_index_and_no_duplicate() -> None:
    with pytest.raises(ParameterError):
        lagrange_coefficient(5, [1, 2, 3])
    with pytest.raises(ParameterError):
        lagrange_coefficient(1, [1, 1, 2])


@pytest.mark.parametrize("k", [0, True])
def test_threshold_k_is_a_positive_int(two_of_three: tuple[Ceremony, dict[int, TrusteeKeyShare]], k: int) -> None:
    keys = two_of_three[1]
    ct = encrypt(keys[1].joint_public_key, 2, Scalar(9))
    vectors = [compute_decryption_shares(CONTEXT, i, keys[i].secret_share, [ct]) for i in (1, 2)]
    with pytest.raises(ParameterError, match="positive integer"):
        combine_decryption_share_vectors([ct], vectors, k)


def test_decryption_shares_with_fixed_nonces_are_deterministic_and_counted(
    two_of_three: tuple[Ceremony, dict[int, TrusteeKeyShare]],
) -> None:
    keys = two_of_three[1]
    cts = [encrypt(keys[1].joint_public_key, m, Scalar(20 + m)) for m in (1, 2)]
    nonces = [Scalar(5), Scalar(6)]
    first = compute_decryption_shares(CONTEXT, 1, keys[1].secret_share, cts, nonces)
    assert first == compute_decryption_shares(CONTEXT, 1, keys[1].secret_share, cts, nonces)
    assert first[0].proof.commitment1 == Point.base_mul(Scalar(5))
    with pytest.raises(ParameterError, match="one proof nonce per ciphertext"):
        compute_decryption_shares(CONTEXT, 1, keys[1].secret_share, cts, nonces[:1])


def test_a_vector_mixing_two_trustees_is_refused(two_of_three: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    keys = two_of_three[1]
    cts = [encrypt(keys[1].joint_public_key, m, Scalar(30 + m)) for m in (1, 2)]
    mixed = [compute_decryption_share(CONTEXT, i, keys[i].secret_share, ct) for i, ct in zip((1, 2), cts, strict=True)]
    with pytest.raises(ParameterError, match="one trustee"):
        check_decryption_shares(CONTEXT, keys[1].public_share, cts, mixed)


def test_share_vectors_combine_for_one_ciphertext_and_refuse_wrong_shapes(
    two_of_three: tuple[Ceremony, dict[int, TrusteeKeyShare]],
) -> None:
    keys = two_of_three[1]
    one = [encrypt(keys[1].joint_public_key, 4, Scalar(41))]
    vectors = [compute_decryption_shares(CONTEXT, i, keys[i].secret_share, one) for i in (1, 3)]
    assert combine_decryption_share_vectors(one, vectors, 2) == [Point.base_mul(4)]

    two = [*one, encrypt(keys[1].joint_public_key, 1, Scalar(42))]
    full = compute_decryption_shares(CONTEXT, 1, keys[1].secret_share, two)
    short = compute_decryption_shares(CONTEXT, 3, keys[3].secret_share, two[:1])
    with pytest.raises(ParameterError, match="one share per ciphertext"):
        combine_decryption_share_vectors(two, [full, short], 2)
    with pytest.raises(ParameterError):
        combine_decryption_share_vectors(two, [full, ()], 2)

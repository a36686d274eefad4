"""Threshold ElGamal: Feldman VSS, the Pedersen DKG with complaints, and k-of-n decryption.

The tests read as the ceremony: trustees commit, exchange encrypted shares, check them (complaining about bad
ones), derive the joint key, and later any k of them decrypt.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.elgamal import Ciphertext, encrypt
from crypto.errors import (
    DecryptionError,
    InvalidPointError,
    InvalidProofError,
    InvalidShareError,
    NonCanonicalError,
    ParameterError,
)
from crypto.group import Point, Scalar
from crypto.hashing import hash_to_scalar
from crypto.share_encryption import EncryptedShare, decrypt_share, encrypt_share
from crypto.threshold import (
    Complaint,
    DecryptionShare,
    TrusteeCommitment,
    TrusteeKeyShare,
    TrusteeSecretState,
    check_complaint,
    check_decryption_share,
    check_decryption_shares,
    check_share,
    combine_decryption_share_vectors,
    combine_decryption_shares,
    compute_decryption_share,
    compute_decryption_shares,
    dkg_check_commitments,
    dkg_finish,
    dkg_step1,
    dkg_step1_check,
    dkg_step2,
    dkg_step3,
    evaluate_polynomial,
    feldman_commitments,
    joint_public_key,
    lagrange_coefficient,
    make_complaint,
    public_share,
    public_shares,
)

CONTEXT = bytes.fromhex("5a" * 32)
OTHER_CONTEXT = bytes.fromhex("a5" * 32)
VECTORS = Path(__file__).resolve().parents[1] / "vectors"


# --- a small ceremony driver -----------------------------------------------------------------------


@dataclass
class Ceremony:
    n: int
    k: int
    states: dict[int, TrusteeSecretState]
    commitments: list[TrusteeCommitment]
    sent: dict[int, tuple[EncryptedShare, ...]]

    def inbox(self, recipient: int) -> list[EncryptedShare]:
        return [e for shares in self.sent.values() for e in shares if e.recipient == recipient]

    def commitment(self, index: int) -> TrusteeCommitment:
        return next(c for c in self.commitments if c.index == index)

    def encrypted(self, sender: int, recipient: int) -> EncryptedShare:
        return next(e for e in self.sent[sender] if e.recipient == recipient)


def start_ceremony(n: int, k: int, context: bytes = CONTEXT) -> Ceremony:
    """Steps 1 and 2 for every trustee."""
    states, commitments = {}, []
    for index in range(1, n + 1):
        states[index], commitment = dkg_step1(context, index, n, k)
        commitments.append(commitment)
    sent = {index: dkg_step2(context, states[index], commitments) for index in states}
    return Ceremony(n, k, states, commitments, sent)


def finish_ceremony(ceremony: Ceremony, context: bytes = CONTEXT) -> dict[int, TrusteeKeyShare]:
    """Steps 3 and 4 for every trustee, all honest."""
    keys = {}
    for index, state in ceremony.states.items():
        received = dkg_step3(context, state, ceremony.commitments, ceremony.inbox(index))
        assert received.complaints == () and received.missing == ()
        keys[index] = dkg_finish(context, state, ceremony.commitments, received)
    return keys


def run_dkg(n: int, k: int) -> tuple[Ceremony, dict[int, TrusteeKeyShare]]:
    ceremony = start_ceremony(n, k)
    return ceremony, finish_ceremony(ceremony)


def decryption_shares_of(
    keys: dict[int, TrusteeKeyShare], ciphertext: Ciphertext, who: Sequence[int]
) -> list[DecryptionShare]:
    return [compute_decryption_share(CONTEXT, i, keys[i].secret_share, ciphertext) for i in who]


@pytest.fixture(scope="module")
def three_of_five() -> tuple[Ceremony, dict[int, TrusteeKeyShare]]:
    return run_dkg(5, 3)


# --- Feldman VSS -----------------------------------------------------------------------------------


def test_feldman_share_matches_commitments() -> None:
    coefficients = [Scalar(11), Scalar(22), Scalar(33)]
    commitments = feldman_commitments(coefficients)
    for index in range(1, 6):
        share = evaluate_polynomial(coefficients, index)
        assert share == 11 + 22 * index + 33 * index**2
        check_share(index, share, commitments)


def test_feldman_wrong_share_is_rejected() -> None:
    coefficients = [Scalar(11), Scalar(22), Scalar(33)]
    commitments = feldman_commitments(coefficients)
    with pytest.raises(InvalidShareError) as raised:
        check_share(2, evaluate_polynomial(coefficients, 2) + 1, commitments)
    assert raised.value.code == "invalid_share"
    with pytest.raises(InvalidShareError):
        check_share(3, evaluate_polynomial(coefficients, 2), commitments)


# --- DKG: honest run -------------------------------------------------------------------------------


def test_dkg_gives_consistent_keys(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    ceremony, keys = three_of_five
    secret = sum((s.coefficients[0] for s in ceremony.states.values()), Scalar(0))
    joint = joint_public_key(ceremony.commitments)
    assert joint == Point.base_mul(secret)
    everyone = public_shares(5, ceremony.commitments)
    for index, key in keys.items():
        assert key.joint_public_key == joint
        assert key.public_share == everyone[index - 1] == public_share(index, ceremony.commitments)
        assert key.public_share == Point.base_mul(key.secret_share)
    # The key shares are points on one degree-2 polynomial whose value at 0 is the joint secret.
    first_three = [1, 2, 3]
    interpolated = sum((lagrange_coefficient(i, first_three) * keys[i].secret_share for i in first_three), Scalar(0))
    assert interpolated == secret


def test_every_3_of_5_subset_decrypts_the_same(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    """Two trustees may be absent: each of the 10 subsets of three decrypts to the same m·G."""
    ceremony, keys = three_of_five
    ciphertext = encrypt(joint_public_key(ceremony.commitments), 42, Scalar.random())
    shares = {s.index: s for s in decryption_shares_of(keys, ciphertext, range(1, 6))}
    for index, share in shares.items():
        check_decryption_share(CONTEXT, keys[index].public_share, ciphertext, share)
    subsets = list(itertools.combinations(range(1, 6), 3))
    assert len(subsets) == 10
    for subset in subsets:
        assert combine_decryption_shares(ciphertext, [shares[i] for i in subset], 3) == Point.base_mul(42)
    # More than k shares also work.
    assert combine_decryption_shares(ciphertext, list(shares.values()), 3) == Point.base_mul(42)


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_any_k_of_n_shares_give_the_same_plaintext(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=5), label="n")
    k = data.draw(st.integers(min_value=1, max_value=n), label="k")
    message = data.draw(st.integers(min_value=0, max_value=10**6), label="message")
    ceremony, keys = run_dkg(n, k)
    ciphertext = encrypt(joint_public_key(ceremony.commitments), message, Scalar.random())
    all_shares = decryption_shares_of(keys, ciphertext, range(1, n + 1))
    subset = data.draw(st.lists(st.sampled_from(all_shares), min_size=k, max_size=n, unique_by=lambda s: s.index))
    assert combine_decryption_shares(ciphertext, subset, k) == Point.base_mul(message)


def test_homomorphic_tally_decrypts_to_the_sum(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    ceremony, keys = three_of_five
    joint = joint_public_key(ceremony.commitments)
    votes = [1, 0, 1, 1, 0, 1]
    tally = Ciphertext.zero()
    for vote in votes:
        tally = tally + encrypt(joint, vote, Scalar.random())
    shares = decryption_shares_of(keys, tally, [2, 4, 5])
    assert combine_decryption_shares(tally, shares, 3) == Point.base_mul(sum(votes))


# --- DKG: cheating and complaints --------------------------------------------------------------------


def corrupt_share(ceremony: Ceremony, dealer: int, victim: int, share: Scalar, *, key: Point | None = None) -> None:
    """Replace what ``dealer`` sent to ``victim`` by an encryption of ``share`` (to ``key`` if given)."""
    recipient_key = key if key is not None else ceremony.commitment(victim).share_public_key
    bad = encrypt_share(CONTEXT, dealer, victim, recipient_key, share)
    ceremony.sent[dealer] = tuple(bad if e.recipient == victim else e for e in ceremony.sent[dealer])


def test_cheating_dealer_share_is_exposed_by_complaint() -> None:
    """Trustee 2 sends trustee 4 a share off its polynomial; 4 complains; a third party names trustee 2."""
    ceremony = start_ceremony(5, 3)
    corrupt_share(ceremony, dealer=2, victim=4, share=ceremony.states[2].share_for(4) + 1)

    received = dkg_step3(CONTEXT, ceremony.states[4], ceremony.commitments, ceremony.inbox(4))
    assert [c.accused for c in received.complaints] == [2]
    assert 2 not in received.shares and set(received.shares) == {1, 3, 4, 5}

    # The observer sees only public data: the complaint (as posted), the encrypted share, the commitments.
    posted = Complaint.from_dict(json.loads(json.dumps(received.complaints[0].to_dict())))
    verdict = check_complaint(CONTEXT, posted, ceremony.encrypted(2, 4), ceremony.commitment(2), ceremony.commitment(4))
    assert verdict.guilty == 2
    assert verdict.reason == "share_inconsistent_with_commitments"


def test_undecryptable_share_is_exposed_by_complaint() -> None:
    """A dealer encrypting to the wrong key (garbage for the recipient) is named by the complaint."""
    ceremony = start_ceremony(3, 2)
    corrupt_share(ceremony, dealer=1, victim=3, share=ceremony.states[1].share_for(3), key=Point.base_mul(99))
    received = dkg_step3(CONTEXT, ceremony.states[3], ceremony.commitments, ceremony.inbox(3))
    (complaint,) = received.complaints
    assert complaint.revealed_share is None
    verdict = check_complaint(
        CONTEXT, complaint, ceremony.encrypted(1, 3), ceremony.commitment(1), ceremony.commitment(3)
    )
    assert (verdict.guilty, verdict.reason) == (1, "undecryptable_share")


def test_false_complaint_names_the_complainer() -> None:
    ceremony = start_ceremony(5, 3)
    lie = make_complaint(CONTEXT, ceremony.states[4], ceremony.encrypted(2, 4))
    verdict = check_complaint(CONTEXT, lie, ceremony.encrypted(2, 4), ceremony.commitment(2), ceremony.commitment(4))
    assert (verdict.guilty, verdict.reason) == (4, "false_complaint")


def test_complaint_with_forged_ecdh_point_names_the_complainer() -> None:
    """A complainer who 'opens' the share with a made-up ECDH point cannot prove it."""
    ceremony = start_ceremony(3, 2)
    honest = make_complaint(CONTEXT, ceremony.states[3], ceremony.encrypted(1, 3))
    forged = replace(honest, shared_point=Point.base_mul(12345))
    verdict = check_complaint(CONTEXT, forged, ceremony.encrypted(1, 3), ceremony.commitment(1), ceremony.commitment(3))
    assert (verdict.guilty, verdict.reason) == (3, "invalid_opening_proof")


def test_complaint_misreporting_the_share_names_the_complainer() -> None:
    ceremony = start_ceremony(3, 2)
    honest = make_complaint(CONTEXT, ceremony.states[3], ceremony.encrypted(1, 3))
    assert honest.revealed_share is not None
    misreported = replace(honest, revealed_share=honest.revealed_share + 1)
    verdict = check_complaint(
        CONTEXT, misreported, ceremony.encrypted(1, 3), ceremony.commitment(1), ceremony.commitment(3)
    )
    assert (verdict.guilty, verdict.reason) == (3, "misreported_share")


def test_complaint_about_another_pair_is_refused() -> None:
    ceremony = start_ceremony(3, 2)
    complaint = make_complaint(CONTEXT, ceremony.states[3], ceremony.encrypted(1, 3))
    with pytest.raises(ParameterError):
        check_complaint(CONTEXT, complaint, ceremony.encrypted(2, 3), ceremony.commitment(2), ceremony.commitment(3))


def test_disqualified_dealer_is_left_out_and_the_rest_still_decrypt() -> None:
    ceremony = start_ceremony(4, 2)
    corrupt_share(ceremony, dealer=2, victim=1, share=Scalar(7))
    qualified = [c for c in ceremony.commitments if c.index != 2]
    keys = {}
    for index, state in ceremony.states.items():
        received = dkg_step3(CONTEXT, state, ceremony.commitments, ceremony.inbox(index))
        keys[index] = dkg_finish(CONTEXT, state, qualified, received)
    # Trustee 1 holds no valid share from 2, so finishing over all dealers must fail for it.
    received_1 = dkg_step3(CONTEXT, ceremony.states[1], ceremony.commitments, ceremony.inbox(1))
    with pytest.raises(InvalidShareError):
        dkg_finish(CONTEXT, ceremony.states[1], ceremony.commitments, received_1)

    joint = joint_public_key(qualified)
    ciphertext = encrypt(joint, 5, Scalar.random())
    shares = decryption_shares_of(keys, ciphertext, [1, 2])  # trustee 2 still holds a share as a recipient
    assert combine_decryption_shares(ciphertext, shares, 2) == Point.base_mul(5)


def test_trustee_without_a_commitment_takes_no_part_and_the_participants_still_decrypt() -> None:
    """Trustee 3 of a 2-of-4 never committed: the other three deal only to each other, and any two of them
    decrypt; fewer than k participants cannot run the ceremony at all."""
    states, commitments = {}, []
    for index in (1, 2, 4):
        states[index], commitment = dkg_step1(CONTEXT, index, 4, 2)
        commitments.append(commitment)
    sent = {index: dkg_step2(CONTEXT, states[index], commitments) for index in states}
    assert {index: sorted(e.recipient for e in shares) for index, shares in sent.items()} == {
        1: [2, 4],
        2: [1, 4],
        4: [1, 2],
    }
    keys = {}
    for index, state in states.items():
        inbox = [e for shares in sent.values() for e in shares if e.recipient == index]
        received = dkg_step3(CONTEXT, state, commitments, inbox)
        assert received.complaints == () and received.missing == ()
        keys[index] = dkg_finish(CONTEXT, state, commitments, received)
    ciphertext = encrypt(joint_public_key(commitments), 6, Scalar.random())
    for pair in ([1, 2], [1, 4], [2, 4]):
        shares = decryption_shares_of(keys, ciphertext, pair)
        assert combine_decryption_shares(ciphertext, shares, 2) == Point.base_mul(6)
    with pytest.raises(ParameterError):
        dkg_step2(CONTEXT, states[1], commitments[:1])


def test_missing_share_is_reported() -> None:
    ceremony = start_ceremony(3, 2)
    inbox = [e for e in ceremony.inbox(1) if e.sender != 3]
    received = dkg_step3(CONTEXT, ceremony.states[1], ceremony.commitments, inbox)
    assert received.missing == (3,)


def test_share_addressed_to_someone_else_is_refused() -> None:
    ceremony = start_ceremony(3, 2)
    with pytest.raises(ParameterError):
        dkg_step3(CONTEXT, ceremony.states[1], ceremony.commitments, ceremony.inbox(2))
    with pytest.raises(ParameterError):
        dkg_step3(CONTEXT, ceremony.states[1], ceremony.commitments, ceremony.inbox(1) * 2)


# --- DKG: proofs of knowledge and copied commitments -------------------------------------------------


def test_proof_of_knowledge_with_wrong_context_is_rejected() -> None:
    _, commitment = dkg_step1(CONTEXT, 1, 3, 2)
    dkg_step1_check(CONTEXT, commitment)
    with pytest.raises(InvalidProofError):
        dkg_step1_check(OTHER_CONTEXT, commitment)


def test_copied_commitment_under_another_index_is_rejected() -> None:
    """Trustee 3 replays trustee 1's commitment as its own: the proofs bind the index."""
    _, commitment = dkg_step1(CONTEXT, 1, 3, 2)
    with pytest.raises(InvalidProofError):
        dkg_step1_check(CONTEXT, replace(commitment, index=3))


def test_commitment_with_another_threshold_is_rejected() -> None:
    _, commitment = dkg_step1(CONTEXT, 1, 3, 2)
    with pytest.raises(InvalidProofError):
        dkg_step1_check(CONTEXT, replace(commitment, n=4))


def test_replayed_commitment_in_the_round_is_rejected() -> None:
    ceremony = start_ceremony(3, 2)
    duplicated = [*ceremony.commitments[:2], ceremony.commitments[0]]
    with pytest.raises(ParameterError):
        dkg_check_commitments(CONTEXT, duplicated, 3, 2)


def test_step2_refuses_an_unproven_commitment() -> None:
    ceremony = start_ceremony(3, 2)
    forged = replace(ceremony.commitments[1], share_public_key=Point.base_mul(5))
    with pytest.raises(InvalidProofError):
        dkg_step2(CONTEXT, ceremony.states[1], [ceremony.commitments[0], forged, ceremony.commitments[2]])


@pytest.mark.parametrize(("n", "k"), [(0, 0), (3, 0), (3, 4), (256, 2)])
def test_bad_parameters_are_refused(n: int, k: int) -> None:
    with pytest.raises(ParameterError):
        dkg_step1(CONTEXT, 1, n, k)


# --- share encryption ------------------------------------------------------------------------------


def test_share_encryption_binds_context_and_recipient() -> None:
    ceremony = start_ceremony(3, 2)
    encrypted = ceremony.encrypted(1, 2)
    secret = ceremony.states[2].share_key_secret
    assert decrypt_share(CONTEXT, encrypted, secret) == ceremony.states[1].share_for(2)
    with pytest.raises(DecryptionError):
        decrypt_share(OTHER_CONTEXT, encrypted, secret)
    with pytest.raises(DecryptionError):
        decrypt_share(CONTEXT, replace(encrypted, sender=3), secret)
    with pytest.raises(DecryptionError):
        decrypt_share(CONTEXT, encrypted, ceremony.states[3].share_key_secret)
    tampered = replace(encrypted, body=encrypted.body[:-1] + bytes([encrypted.body[-1] ^ 1]))
    with pytest.raises(DecryptionError):
        decrypt_share(CONTEXT, tampered, secret)


# --- threshold decryption: attacks -----------------------------------------------------------------


def test_wrong_partial_decryption_is_rejected(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    ceremony, keys = three_of_five
    ciphertext = encrypt(joint_public_key(ceremony.commitments), 3, Scalar.random())
    honest = compute_decryption_share(CONTEXT, 1, keys[1].secret_share, ciphertext)
    shifted = replace(honest, share_point=honest.share_point + Point.generator())
    with pytest.raises(InvalidProofError) as raised:
        check_decryption_share(CONTEXT, keys[1].public_share, ciphertext, shifted)
    assert raised.value.code == "invalid_proof"
    # A correct share of trustee 1 does not pass as trustee 2's.
    with pytest.raises(InvalidProofError):
        check_decryption_share(CONTEXT, keys[2].public_share, ciphertext, honest)
    # Nor for another ciphertext, nor under another election's context.
    other = encrypt(joint_public_key(ceremony.commitments), 3, Scalar.random())
    with pytest.raises(InvalidProofError):
        check_decryption_share(CONTEXT, keys[1].public_share, other, honest)
    with pytest.raises(InvalidProofError):
        check_decryption_share(OTHER_CONTEXT, keys[1].public_share, ciphertext, honest)


def test_k_minus_one_shares_decrypt_nothing(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    ceremony, keys = three_of_five
    ciphertext = encrypt(joint_public_key(ceremony.commitments), 9, Scalar.random())
    shares = decryption_shares_of(keys, ciphertext, [1, 4])
    with pytest.raises(InvalidShareError):
        combine_decryption_shares(ciphertext, shares, 3)
    # Interpolating the two shares anyway gives a wrong point, not m·G.
    indices = [1, 4]
    partial = sum(
        (s.share_point * lagrange_coefficient(s.index, indices) for s in shares[1:]),
        shares[0].share_point * lagrange_coefficient(1, indices),
    )
    assert ciphertext.beta - partial != Point.base_mul(9)


def test_duplicate_shares_are_refused(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    ceremony, keys = three_of_five
    ciphertext = encrypt(joint_public_key(ceremony.commitments), 1, Scalar.random())
    share_1, share_2 = decryption_shares_of(keys, ciphertext, [1, 2])
    with pytest.raises(ParameterError):
        combine_decryption_shares(ciphertext, [share_1, share_2, share_1], 3)


def test_whole_tally_decrypts_in_one_batch(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    ceremony, keys = three_of_five
    joint = joint_public_key(ceremony.commitments)
    counts = [0, 1, 17, 250, 3]
    tally = [encrypt(joint, m, Scalar.random()) for m in counts]
    vectors = []
    for index in (5, 1, 3):
        shares = compute_decryption_shares(CONTEXT, index, keys[index].secret_share, tally)
        check_decryption_shares(CONTEXT, keys[index].public_share, tally, shares)
        vectors.append(shares)
    assert combine_decryption_share_vectors(tally, vectors, 3) == [Point.base_mul(m) for m in counts]
    with pytest.raises(InvalidShareError):
        combine_decryption_share_vectors(tally, vectors[:2], 3)
    bad = list(vectors[0])
    bad[3] = replace(bad[3], share_point=bad[3].share_point + Point.generator())
    with pytest.raises(InvalidProofError, match="decryption share 3 of trustee 5"):
        check_decryption_shares(CONTEXT, keys[5].public_share, tally, bad)


def test_nothing_to_decrypt_when_alpha_is_the_identity() -> None:
    with pytest.raises(ParameterError):
        compute_decryption_share(CONTEXT, 1, Scalar(5), Ciphertext.zero())


# --- encodings -------------------------------------------------------------------------------------


def test_objects_round_trip_and_decode_strictly(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    ceremony, keys = three_of_five
    for commitment in ceremony.commitments:
        assert TrusteeCommitment.from_dict(json.loads(json.dumps(commitment.to_dict()))) == commitment
    for state in ceremony.states.values():
        assert TrusteeSecretState.from_dict(state.to_dict()) == state
    for key in keys.values():
        assert TrusteeKeyShare.from_dict(key.to_dict()) == key
    encrypted = ceremony.encrypted(1, 2)
    assert EncryptedShare.from_bytes(encrypted.to_bytes()) == encrypted
    assert EncryptedShare.from_dict(encrypted.to_dict()) == encrypted
    ciphertext = encrypt(keys[1].joint_public_key, 1, Scalar.random())
    share = compute_decryption_share(CONTEXT, 1, keys[1].secret_share, ciphertext)
    assert DecryptionShare.from_bytes(share.to_bytes()) == share
    assert DecryptionShare.from_dict(share.to_dict()) == share

    with pytest.raises(NonCanonicalError):
        DecryptionShare.from_bytes(share.to_bytes()[:-1])
    with pytest.raises((NonCanonicalError, ParameterError)):
        DecryptionShare.from_bytes(bytes(4) + share.to_bytes()[4:])  # index 0
    broken = commitment.to_dict() | {"coefficient_commitments": ["00" * 33, "00" * 33]}
    with pytest.raises(InvalidPointError):
        TrusteeCommitment.from_dict(broken)
    with pytest.raises(NonCanonicalError):
        TrusteeCommitment.from_dict(commitment.to_dict() | {"index": "1"})
    with pytest.raises(NonCanonicalError):
        TrusteeKeyShare.from_dict({"index": 1})
    with pytest.raises(InvalidShareError):
        TrusteeKeyShare.from_dict(keys[1].to_dict() | {"public_share": keys[2].public_share.hex()})


def test_secrets_stay_out_of_repr(three_of_five: tuple[Ceremony, dict[int, TrusteeKeyShare]]) -> None:
    ceremony, keys = three_of_five
    assert keys[1].secret_share.hex() not in repr(keys[1])
    assert ceremony.states[1].coefficients[0].hex() not in repr(ceremony.states[1])
    assert hex(int(ceremony.states[1].coefficients[0])) not in repr(ceremony.states[1])


# --- pinned vectors (fixed randomness) ---------------------------------------------------------------


def vector_scalar(label: str) -> Scalar:
    """Deterministic test randomness: hash_to_scalar under a test-only tag."""
    return hash_to_scalar(b"SHAILOO-V1/test-vectors/threshold", label.encode("ascii"))


def build_threshold_vector() -> dict[str, Any]:
    """A 2-of-3 DKG where trustee 3 sends trustee 1 a bad share, then a decryption by trustees 1 and 2."""
    n, k, context = 3, 2, bytes(range(32))
    states, commitments = {}, []
    for i in range(1, n + 1):
        states[i], commitment = dkg_step1(
            context,
            i,
            n,
            k,
            coefficients=[vector_scalar(f"a/{i}/{t}") for t in range(k)],
            share_key_secret=vector_scalar(f"y/{i}"),
            proof_nonces=(vector_scalar(f"pok-a/{i}"), vector_scalar(f"pok-y/{i}")),
        )
        commitments.append(commitment)
    sent = {
        i: dkg_step2(
            context, states[i], commitments, ephemeral_secrets={j: vector_scalar(f"e/{i}/{j}") for j in states}
        )
        for i in states
    }
    bad = encrypt_share(
        context, 3, 1, commitments[0].share_public_key, states[3].share_for(1) + 1, vector_scalar("e/3/1/bad")
    )
    sent[3] = tuple(bad if e.recipient == 1 else e for e in sent[3])
    inbox = {i: [e for s in sent.values() for e in s if e.recipient == i] for i in states}
    received = {
        i: dkg_step3(context, states[i], commitments, inbox[i], complaint_nonces={3: vector_scalar(f"complaint/{i}")})
        for i in states
    }
    qualified = commitments[:2]
    keys = {i: dkg_finish(context, states[i], qualified, received[i]) for i in states}
    ciphertext = encrypt(joint_public_key(qualified), 7, vector_scalar("encryption-nonce"))
    shares = [
        compute_decryption_share(context, i, keys[i].secret_share, ciphertext, vector_scalar(f"decrypt/{i}"))
        for i in (1, 2)
    ]
    (complaint,) = received[1].complaints
    verdict = check_complaint(context, complaint, bad, commitments[2], commitments[0])
    return {
        "description": "2-of-3 Pedersen DKG; trustee 3 sends trustee 1 a bad share and is disqualified; "
        "trustees 1 and 2 decrypt Enc(7). Randomness: hash_to_scalar(DST='SHAILOO-V1/test-vectors/threshold', label).",
        "context": context.hex(),
        "n": n,
        "k": k,
        "commitments": [c.to_dict() for c in commitments],
        "encrypted_shares": [e.to_bytes().hex() for s in sent.values() for e in s],
        "complaint": complaint.to_dict(),
        "verdict": {"guilty": verdict.guilty, "reason": verdict.reason},
        "qualified": [c.index for c in qualified],
        "joint_public_key": joint_public_key(qualified).hex(),
        "public_shares": [p.hex() for p in public_shares(n, qualified)],
        "ciphertext": ciphertext.to_bytes().hex(),
        "decryption_shares": [s.to_bytes().hex() for s in shares],
        "plaintext_point": combine_decryption_shares(ciphertext, shares, k).hex(),
    }


def test_pinned_threshold_vector() -> None:
    expected = json.loads((VECTORS / "threshold.json").read_text(encoding="utf-8"))
    assert build_threshold_vector() == expected
    assert Point.from_hex(expected["plaintext_point"]) == Point.base_mul(7)
    assert expected["verdict"] == {"guilty": 3, "reason": "share_inconsistent_with_commitments"}


if __name__ == "__main__":  # regenerate: uv run --frozen python -m tests.crypto.test_threshold
    (VECTORS / "threshold.json").write_text(json.dumps(build_threshold_vector(), indent=2) + "\n", encoding="utf-8")

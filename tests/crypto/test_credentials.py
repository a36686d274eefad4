"""Fakeable credentials (crypto.credentials): the registrar's designated-verifier proof and the device's simulation,
the ballot's proof of knowledge of its encrypted credential, blinding for tags, and linear-time matching.

Each attack test changes one thing from an honest run and is caught by one relation (noted in its name); each was
checked by deleting that relation and seeing the test fail.
"""

from __future__ import annotations

import pytest

from crypto.credentials import (
    BlindingProof,
    KnowledgeProof,
    RosterProof,
    _blinding_challenge,
    _knowledge_challenge,
    _roster_challenge,
    blind,
    encrypt_credential,
    keep_first,
    keep_last,
    linked_tags,
    match_tags,
    prove_credential_knowledge,
    prove_roster_credential,
    public_credential,
    simulate_roster_credential,
    verify_blinding,
    verify_credential_knowledge,
    verify_roster_credential,
)
from crypto.elgamal import Ciphertext, ElGamalKeyPair, decrypt_to_point
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar

CONTEXT = b"\x77" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0xE1EC7))
K = KEYS.public
G = Point.generator()
SECRET = Scalar(0x5EC7E7)  # the voter's real credential s
NONCE = Scalar(0x1234)
ENTRY = encrypt_credential(K, SECRET, NONCE)  # the roster entry
DEVICE = Scalar(0xDE71CE)  # v, the device's secret
V = Point.base_mul(DEVICE)
FAKE = Scalar(0xFA4E)


# -- the roster proof -------------------------------------------------------------------------------------------


def test_the_registrars_proof_verifies_for_the_real_credential() -> None:
    proof = prove_roster_credential(CONTEXT, K, SECRET, ENTRY, NONCE, V)
    verify_roster_credential(CONTEXT, K, public_credential(SECRET), ENTRY, V, RosterProof.from_bytes(proof.to_bytes()))


def test_the_device_makes_a_fake_credential_whose_proof_verifies_the_same_way() -> None:
    fake = simulate_roster_credential(CONTEXT, K, public_credential(FAKE), ENTRY, DEVICE)
    verify_roster_credential(CONTEXT, K, public_credential(FAKE), ENTRY, V, fake)
    real = prove_roster_credential(CONTEXT, K, SECRET, ENTRY, NONCE, V)
    assert len(fake.to_bytes()) == len(real.to_bytes()) == RosterProof.SIZE
    # ... and the fake credential really is not the one on the roster.
    assert decrypt_to_point(ENTRY, KEYS.secret) != public_credential(FAKE)


def test_the_registrars_proof_does_not_verify_for_another_device() -> None:
    proof = prove_roster_credential(CONTEXT, K, SECRET, ENTRY, NONCE, V)
    with pytest.raises(InvalidProofError):
        verify_roster_credential(CONTEXT, K, public_credential(SECRET), ENTRY, Point.base_mul(Scalar(9)), proof)


def test_someone_without_the_device_key_cannot_fake_is_caught_by_branch_b() -> None:
    # A coercer simulating with his own v′ (not log V): only z_B·G = b + c_B·V fails.
    forged = simulate_roster_credential(CONTEXT, K, public_credential(FAKE), ENTRY, Scalar(0xBAD))
    with pytest.raises(InvalidProofError):
        verify_roster_credential(CONTEXT, K, public_credential(FAKE), ENTRY, V, forged)


def _registrar_claiming(claimed: Point, entry: Ciphertext, r_for_beta: Scalar) -> RosterProof:
    """A registrar without v proving branch A with ``r_for_beta`` for (alpha, beta − claimed), branch B simulated."""
    u, c_b, z_b = Scalar(11), Scalar(12), Scalar(13)
    a1, a2 = Point.base_mul(u), K * u
    b = Point.base_mul(z_b) - V * c_b
    c = _roster_challenge(CONTEXT, K, claimed, entry, V, a1, a2, b)
    c_a = c - c_b
    return RosterProof(a1, a2, b, c_a, u + c_a * r_for_beta, z_b)


def test_a_registrar_claiming_another_credential_for_the_entry_is_caught_by_a2() -> None:
    forged = _registrar_claiming(public_credential(FAKE), ENTRY, NONCE)
    with pytest.raises(InvalidProofError):
        verify_roster_credential(CONTEXT, K, public_credential(FAKE), ENTRY, V, forged)


def test_a_malformed_roster_entry_is_caught_by_a1() -> None:
    # (r1·G, S + r2·K) with r1 ≠ r2 decrypts to S + (r2 − r1)·K, not S: the voter would hold a dead credential.
    r2 = Scalar(0x9999)
    malformed = Ciphertext(ENTRY.alpha, public_credential(SECRET) + K * r2)
    forged = _registrar_claiming(public_credential(SECRET), malformed, r2)
    with pytest.raises(InvalidProofError):
        verify_roster_credential(CONTEXT, K, public_credential(SECRET), malformed, V, forged)


# -- proof of knowledge on a ballot ------------------------------------------------------------------------------


def test_a_ballots_credential_proof_verifies_and_is_bound_to_its_ballot() -> None:
    ct = encrypt_credential(K, SECRET, Scalar(77))
    proof = prove_credential_knowledge(CONTEXT, K, ct, SECRET, Scalar(77))
    verify_credential_knowledge(CONTEXT, K, ct, KnowledgeProof.from_bytes(proof.to_bytes()))
    with pytest.raises(InvalidProofError):  # the same encrypted credential and proof copied onto another ballot
        verify_credential_knowledge(b"\x78" * 32, K, ct, proof)


def _knowledge_with(ct: Ciphertext, r: Scalar, s: Scalar) -> KnowledgeProof:
    u1, u2 = Scalar(21), Scalar(22)
    a1, a2 = Point.base_mul(u1), Point.base_mul(u2) + K * u1
    c = _knowledge_challenge(CONTEXT, K, ct, a1, a2)
    return KnowledgeProof(a1, a2, u1 + c * r, u2 + c * s)


def test_a_prover_not_knowing_the_credential_is_caught_by_the_representation_relation() -> None:
    ct = encrypt_credential(K, SECRET, Scalar(77))
    with pytest.raises(InvalidProofError):
        verify_credential_knowledge(CONTEXT, K, ct, _knowledge_with(ct, Scalar(77), FAKE))


def test_a_ciphertext_whose_alpha_is_not_its_nonce_is_caught_by_the_alpha_relation() -> None:
    honest = encrypt_credential(K, SECRET, Scalar(77))
    ct = Ciphertext(Point.base_mul(Scalar(78)), honest.beta)
    with pytest.raises(InvalidProofError):
        verify_credential_knowledge(CONTEXT, K, ct, _knowledge_with(ct, Scalar(77), SECRET))


# -- blinding and tags -------------------------------------------------------------------------------------------

Z1, Z2 = Scalar(0x21), Scalar(0x22)


def _tag(ct: Ciphertext) -> Point:
    once, p1 = blind(CONTEXT, Z1, ct)
    verify_blinding(CONTEXT, Point.base_mul(Z1), ct, once, BlindingProof.from_bytes(p1.to_bytes()))
    twice, p2 = blind(CONTEXT, Z2, once)
    verify_blinding(CONTEXT, Point.base_mul(Z2), once, twice, p2)
    return decrypt_to_point(twice, KEYS.secret)


def test_equal_credentials_give_equal_tags_and_others_do_not() -> None:
    a = _tag(encrypt_credential(K, SECRET, Scalar(5)))
    b = _tag(encrypt_credential(K, SECRET, Scalar(6)))
    c = _tag(encrypt_credential(K, FAKE, Scalar(7)))
    assert a == b == public_credential(SECRET) * (Z1 * Z2)
    assert c != a


def _blinding_proof(before: Ciphertext, after: Ciphertext, z: Scalar, key: Point) -> BlindingProof:
    u = Scalar(31)
    a0, a1, a2 = Point.base_mul(u), before.alpha * u, before.beta * u
    c = _blinding_challenge(CONTEXT, key, before, after, a0, a1, a2)
    return BlindingProof(a0, a1, a2, u + c * z)


def test_a_trustee_blinding_with_another_exponent_than_its_published_one_is_caught_by_a0() -> None:
    ct = encrypt_credential(K, SECRET, Scalar(5))
    other = Scalar(0x99)
    after = Ciphertext(ct.alpha * other, ct.beta * other)
    with pytest.raises(InvalidProofError):
        verify_blinding(CONTEXT, Point.base_mul(Z1), ct, after, _blinding_proof(ct, after, other, Point.base_mul(Z1)))


def test_a_trustee_blinding_alpha_differently_is_caught_by_a1() -> None:
    ct = encrypt_credential(K, SECRET, Scalar(5))
    after = Ciphertext(ct.alpha * Scalar(0x99), ct.beta * Z1)
    with pytest.raises(InvalidProofError):
        verify_blinding(CONTEXT, Point.base_mul(Z1), ct, after, _blinding_proof(ct, after, Z1, Point.base_mul(Z1)))


def test_a_trustee_blinding_beta_differently_is_caught_by_a2() -> None:
    ct = encrypt_credential(K, SECRET, Scalar(5))
    after = Ciphertext(ct.alpha * Z1, ct.beta * Scalar(0x99))
    with pytest.raises(InvalidProofError):
        verify_blinding(CONTEXT, Point.base_mul(Z1), ct, after, _blinding_proof(ct, after, Z1, Point.base_mul(Z1)))


def test_matching_keeps_one_ballot_per_roster_tag_and_drops_the_rest() -> None:
    t = [Point.base_mul(Scalar(i)) for i in range(1, 6)]
    result = match_tags([t[0], t[4], t[1], t[0], t[2]], roster_tags=[t[0], t[1], t[2], t[3]])
    assert result.kept == (0, 2, 4) and result.unmatched == (1,) and result.duplicates == (3,)


def test_keep_last_keeps_the_last_ballot_of_each_order_tag() -> None:
    a, b, c = (Point.base_mul(Scalar(i)) for i in (7, 8, 9))
    result = keep_last([a, b, a, c, b, a])
    assert result.kept == (3, 4, 5) and result.superseded == (0, 1, 2)
    assert keep_last([a, b, c]).kept == (0, 1, 2) and keep_last([]).kept == ()
    # Without re-voting the first of each counts.
    first = keep_first([a, b, a, c, b, a])
    assert first.kept == (0, 1, 3) and first.superseded == (2, 4, 5)


def test_linked_tags_names_the_match_tags_that_are_order_tags() -> None:
    y, z = Scalar(5), Scalar(6)
    credentials = [Point.base_mul(Scalar(i)) for i in (11, 12, 13)]
    order = [s * y for s in credentials]
    assert linked_tags(order, [s * z for s in credentials]) == []
    # Match tags made with the order exponent (y = z) are the order tags: every one is linked.
    assert linked_tags(order, [credentials[2] * y, credentials[0] * z, credentials[1] * y]) == [0, 2]

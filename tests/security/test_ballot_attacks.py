"""Attacks on casting, through the real HTTP app. Each test is named after its attack; each expects a stable error
code and nothing written (board, receipts, identifications, issuances: `conftest.attempt`).

The crypto-level versions of several of these live in tests/crypto (see docs/security.md); here the attacker is
a voter who holds a valid credential and re-signs whatever it forges, so only the check under test can refuse it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto.contest import EncryptedContest, verify_contest_limit
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from crypto.proofs import verify_zero_or_one
from identity.credentials import IssuerKeys
from record.ballot import BallotCredential, EncryptedBallot
from tests.security import forge
from tests.security.conftest import attempt, cast_attempt
from tests.server.harness import Election


def _prepared(election: Election, choice: int = 0) -> tuple[EncryptedBallot, Ed25519PrivateKey, bytes]:
    """A fresh voter's valid ballot, its credential key and the election base hash."""
    client, credential = election.credential()
    prepared = client.prepare_ballot(credential, election.marks_for(credential, choice))
    return prepared.ballot, credential.private_key, client.election().base_hash


def _contest(ballot: EncryptedBallot, index: int = 0) -> EncryptedContest:
    return EncryptedContest.from_bytes(ballot.contests[index][1])


def _joint_key(election: Election) -> Point:
    joint = election.components.election.state().joint_key
    assert joint is not None
    return joint.joint_public_key


def _with_honest_limit(
    context: bytes, joint_key: Point, contest: EncryptedContest, forged: list[forge.Selection]
) -> EncryptedContest:
    """``forged`` selections first, then honest Enc(0) selections up to the contest's size, with a limit proof
    that is valid for the result (the forged plaintexts add up to ``min_marks``) and asserted to be."""
    selections = forged + [
        forge.selection(context, joint_key, 0) for _ in range(len(contest.ciphertexts) - len(forged))
    ]
    result = forge.contest_with_honest_limit(
        context, joint_key, selections, contest.min_marks, contest.min_marks, contest.max_marks
    )
    verify_contest_limit(
        context, joint_key, result.ciphertexts, contest.min_marks, contest.max_marks, result.limit_proof
    )
    return result


# --- weak Fiat–Shamir, out-of-range plaintexts, overvotes ---------------------------------------------------------


def test_weak_fiat_shamir_forgery_of_an_out_of_range_plaintext_is_refused(election: Election) -> None:
    """The Helios-style attack: a 0/1 proof that verifies under a challenge omitting the statement, for Enc(m) with
    m neither 0 nor 1, is refused because Shailoo's challenge hashes the key and the ciphertext.

    The forged contest is valid in every other respect: selection 1 holds Enc(1 − m) (its 0/1 proof a lie as well,
    no sound proof exists for it), so the sum encrypts 1 and the limit proof is honest; the ballot is re-signed.
    Only the 0/1 proofs can refuse it."""
    ballot, key, base = _prepared(election)
    contest = _contest(ballot)
    context = forge.context_of(ballot, base, ballot.contests[0][0])
    joint_key = _joint_key(election)
    nonce = Scalar.random()
    ciphertext, proof, m, weak_verify = forge.weak_fiat_shamir_forgery(context, joint_key, nonce)
    assert m not in (0, 1) and weak_verify(ciphertext, proof)  # the forgery is real under weak Fiat–Shamir
    selections = [(ciphertext, nonce, proof), forge.selection(context, joint_key, 1 - m, claimed=0)]
    forged = _with_honest_limit(context, joint_key, contest, selections)
    refusal = cast_attempt(election, forge.with_contest_bytes(ballot, 0, forged.to_bytes(), key))
    assert (refusal.status, refusal.code) == (422, "invalid_proof")
    assert refusal.body["message"].endswith("selection 0"), refusal.body


def test_weak_fiat_shamir_forgery_replayed_under_another_context_is_refused(election: Election) -> None:
    """A weak-FS forgery made for one ballot's context does not verify under the strong verifier in any context."""
    ballot, _, base = _prepared(election)
    joint_key = _joint_key(election)
    context = forge.context_of(ballot, base, ballot.contests[0][0])
    ciphertext, proof, _, _ = forge.weak_fiat_shamir_forgery(context, joint_key, Scalar.random())
    for ctx in (context, bytes(32), base):
        with pytest.raises(InvalidProofError) as caught:
            verify_zero_or_one(ctx, joint_key, ciphertext, proof)
        assert caught.value.code == "invalid_proof"


def test_overvote_with_a_limit_proof_lying_about_the_count_is_refused(election: Election) -> None:
    """Two marks in a one-mark contest: every 0/1 proof is honest, the limit proof claims one mark."""
    ballot, key, base = _prepared(election)
    contest = _contest(ballot)
    context = forge.context_of(ballot, base, ballot.contests[0][0])
    joint = election.components.election.state().joint_key
    assert joint is not None
    marks = [1, 1] + [0] * (len(contest.ciphertexts) - 2)
    forged = forge.overvote_contest(
        context, joint.joint_public_key, len(marks), marks, contest.min_marks, contest.max_marks
    )
    refusal = cast_attempt(election, forge.with_contest_bytes(ballot, 0, forged.to_bytes(), key))
    assert (refusal.status, refusal.code) == (422, "invalid_proof")
    assert refusal.body["message"].endswith("limit proof"), refusal.body


def test_contest_header_widening_its_own_limits_is_refused(election: Election) -> None:
    """An overvote whose contest header claims max_marks = 2 (honest proofs for the widened limits)."""
    ballot, key, base = _prepared(election)
    contest = _contest(ballot)
    context = forge.context_of(ballot, base, ballot.contests[0][0])
    joint = election.components.election.state().joint_key
    assert joint is not None
    marks = [1, 1] + [0] * (len(contest.ciphertexts) - 2)
    forged = forge.overvote_contest(context, joint.joint_public_key, len(marks), marks, 2, 2)
    refusal = cast_attempt(election, forge.with_contest_bytes(ballot, 0, forged.to_bytes(), key))
    # Refused by the header check, before the limit proof (which is also checked against the manifest's [1, 1],
    # and would fail as well: that is the second layer).
    assert (refusal.status, refusal.code) == (422, "invalid_proof")
    assert "the manifest says [1, 1]" in refusal.body["message"], refusal.body


def test_selection_encrypting_two_is_refused(election: Election) -> None:
    """A selection holding Enc(2) (a double vote for one candidate) with the honest prover run on the lie '1'.

    Selection 1 holds Enc(−1) (the honest prover run on the lie '0'), so the sum still encrypts one mark and the
    limit proof is honest; the ballot is re-signed. Only the 0/1 proofs can refuse it."""
    ballot, key, base = _prepared(election)
    contest = _contest(ballot)
    context = forge.context_of(ballot, base, ballot.contests[0][0])
    joint_key = _joint_key(election)
    selections = [forge.selection(context, joint_key, 2, claimed=1), forge.selection(context, joint_key, -1, claimed=0)]
    forged = _with_honest_limit(context, joint_key, contest, selections)
    refusal = cast_attempt(election, forge.with_contest_bytes(ballot, 0, forged.to_bytes(), key))
    assert (refusal.status, refusal.code) == (422, "invalid_proof")
    assert refusal.body["message"].endswith("selection 0"), refusal.body


def test_nonce_reused_inside_a_contest_is_refused(election: Election) -> None:
    """Two selections encrypted with one nonce (their alphas equal, their difference leaks the vote): every proof
    is honest, the ballot is still refused with ``reused_nonce``."""
    ballot, key, base = _prepared(election)
    contest = _contest(ballot)
    context = forge.context_of(ballot, base, ballot.contests[0][0])
    joint = election.components.election.state().joint_key
    assert joint is not None
    marks = [1] + [0] * (len(contest.ciphertexts) - 1)
    forged = forge.reused_nonce_contest(context, joint.joint_public_key, marks, contest.min_marks, contest.max_marks)
    refusal = cast_attempt(election, forge.with_contest_bytes(ballot, 0, forged.to_bytes(), key))
    assert (refusal.status, refusal.code) == (422, "reused_nonce")


# --- copying and replay ------------------------------------------------------------------------------------------


def _same_style(election: Election, ballot: EncryptedBallot, choice: int) -> tuple[EncryptedBallot, Ed25519PrivateKey]:
    """Another voter's ballot in the same ballot style as ``ballot`` (voters are spread over the styles in turn), so
    that a copy between the two differs only in the credential: the style is bound into every proof too."""
    while True:
        other, key, _ = _prepared(election, choice)
        if other.style_id == ballot.style_id:
            return other, key


def test_ballot_copied_under_another_credential_is_refused(election: Election) -> None:
    """Voter B copies voter A's encrypted contests (to vote as A did) into a ballot signed with B's credential:
    every proof is bound to A's credential key, so B's copy is refused."""
    a_ballot, _, _ = _prepared(election, 1)
    b_ballot, b_key = _same_style(election, a_ballot, 2)
    copied = forge.signed(replace(b_ballot, contests=a_ballot.contests), b_key).to_json()
    refusal = cast_attempt(election, copied)
    assert (refusal.status, refusal.code) == (422, "invalid_proof")


def test_cast_ballot_copied_from_the_board_under_another_credential_is_refused(election: Election) -> None:
    """The same, copying from the public board after A cast."""
    client, credential = election.credential()
    prepared = client.prepare_ballot(credential, election.marks_for(credential, 3))
    receipt = client.cast(prepared)
    on_board = EncryptedBallot.from_json(dict(election.components.board.entry(receipt.entry_index).payload))
    b_ballot, b_key = _same_style(election, on_board, 0)
    refusal = cast_attempt(election, forge.signed(replace(b_ballot, contests=on_board.contests), b_key).to_json())
    assert (refusal.status, refusal.code) == (422, "invalid_proof")


def test_replay_of_an_older_ballot_after_a_revote_does_not_supersede_the_newer(election: Election) -> None:
    """A vote buyer who kept the voter's first ballot replays it after the voter re-voted: the server answers
    with the first receipt and writes nothing; the newer ballot stays the credential's last."""
    client, credential = election.credential()
    first = client.prepare_ballot(credential, election.marks_for(credential, 0))
    first_receipt = client.cast(first)
    second_receipt = client.cast(client.prepare_ballot(credential, election.marks_for(credential, 1)))
    size = election.components.board.size
    replay = election.http.post("/v1/ballots", json={"ballot": first.ballot.to_json()})
    assert replay.status_code == 200 and replay.json()["entry_index"] == first_receipt.entry_index
    assert election.components.board.size == size
    assert second_receipt.entry_index > first_receipt.entry_index


def test_ballot_resigned_by_another_key_keeping_the_credential_is_refused(election: Election) -> None:
    """Someone who saw a ballot on the board (but does not hold its credential key) changes it and signs it."""
    ballot, _, _ = _prepared(election)
    thief = Ed25519PrivateKey.generate()
    refusal = cast_attempt(election, forge.signed(replace(ballot, precinct_id=None), thief).to_json())
    assert (refusal.status, refusal.code) == (422, "invalid_signature")


# --- credentials -------------------------------------------------------------------------------------------------


def test_registrar_signature_moved_to_another_credential_key_is_refused(election: Election) -> None:
    ballot, _, _ = _prepared(election)
    other = Ed25519PrivateKey.generate()
    public = other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    moved = replace(ballot, credential=replace(ballot.credential, public_key=public))
    refusal = cast_attempt(election, forge.signed(moved, other).to_json())
    assert (refusal.status, refusal.code) == (403, "credential_invalid")


def test_credential_signed_under_another_issuer_key_is_refused(election: Election) -> None:
    """A credential from another registrar key (another election's, or a key the registrar never published)."""
    from crypto.blind_rsa import blind, finalize
    from record.ballot import credential_message

    ballot, key, _ = _prepared(election)
    rogue = IssuerKeys.generate([ballot.style_id], 2048, insecure_allow_small_for_tests=True)
    rogue_public = rogue.public_keys()[ballot.style_id]
    prepared_msg = ballot.credential.msg_prefix + credential_message(
        ballot.election_id, ballot.style_id, ballot.credential.public_key
    )
    blinded, inv = blind(rogue_public, prepared_msg)
    signature = finalize(rogue_public, prepared_msg, rogue.blind_sign(ballot.style_id, blinded), inv)
    forged = replace(
        ballot, credential=BallotCredential(ballot.credential.public_key, ballot.credential.msg_prefix, signature)
    )
    refusal = cast_attempt(election, forge.signed(forged, key).to_json())
    assert (refusal.status, refusal.code) == (403, "credential_invalid")


def test_credential_issued_for_another_election_under_the_same_key_is_refused(election: Election) -> None:
    """A registrar reusing its key across elections: a credential it genuinely signed for another election is not
    a credential of this one (the signed message names the election)."""
    from crypto.blind_rsa import blind, finalize
    from record.ballot import credential_message
    from tests.server.harness import issuer_keys_for

    ballot, key, _ = _prepared(election)
    keys = issuer_keys_for(election.manifest)
    public = keys.public_keys()[ballot.style_id]
    other = ballot.credential.msg_prefix + credential_message(
        "kg-president-2027", ballot.style_id, ballot.credential.public_key
    )
    blinded, inv = blind(public, other)
    signature = finalize(public, other, keys.blind_sign(ballot.style_id, blinded), inv)
    # The key is this election's published issuer key: the registrar's signature on the ballot verifies under it.
    assert public == election.voter_client().election().issuer_keys[ballot.style_id]
    moved = replace(ballot, credential=replace(ballot.credential, registrar_signature=signature))
    refusal = cast_attempt(election, forge.signed(moved, key).to_json())
    assert (refusal.status, refusal.code) == (403, "credential_invalid")


def test_credential_of_one_ballot_style_used_for_another_is_refused(election: Election) -> None:
    """A voter of one district claims another district's ballot (its contests are the same in this election)."""
    ballot, key, _ = _prepared(election)
    others = [s.style_id for s in election.manifest.ballot_styles if s.style_id != ballot.style_id]
    refusal = cast_attempt(election, forge.signed(replace(ballot, style_id=others[0]), key).to_json())
    # The registrar's signature covers the style (and each style has its own issuer key): the envelope check
    # refuses it before any proof is looked at.
    assert (refusal.status, refusal.code) == (403, "credential_invalid")


def test_ballot_for_another_election_is_refused(election: Election) -> None:
    ballot, key, _ = _prepared(election)
    refusal = cast_attempt(election, forge.signed(replace(ballot, election_id="kg-president-2027"), key).to_json())
    assert (refusal.status, refusal.code) == (422, "wrong_election")


def test_second_ballot_of_a_credential_is_refused_when_revoting_is_off(no_revote: Election) -> None:
    client, credential = no_revote.credential()
    client.cast(client.prepare_ballot(credential, no_revote.marks_for(credential, 0)))
    second = client.prepare_ballot(credential, no_revote.marks_for(credential, 1))
    refusal = cast_attempt(no_revote, second.ballot.to_json())
    assert (refusal.status, refusal.code) == (409, "credential_spent")


def test_identical_retry_racing_its_original_gets_the_original_receipt(
    no_revote: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phone times out and resends the same ballot while the first request is still being stored. The race is
    made deterministic: the original commits exactly between the retry's receipt look-up and its credential read."""
    client, credential = no_revote.credential()
    prepared = client.prepare_ballot(credential, no_revote.marks_for(credential, 0))
    service = no_revote.components.election
    original_lookup = service._existing_receipt
    raced = []

    def lookup_then_lose_the_race(ballot: EncryptedBallot, ballot_hash: bytes) -> Any:
        found = original_lookup(ballot, ballot_hash)
        if found is None and not raced:
            raced.append(True)
            monkeypatch.setattr(service, "_existing_receipt", original_lookup)
            service.cast(ballot.to_json())  # the original request commits now
        return found

    monkeypatch.setattr(service, "_existing_receipt", lookup_then_lose_the_race)
    response = no_revote.http.post("/v1/ballots", json={"ballot": prepared.ballot.to_json()})
    assert raced and response.status_code == 200, response.json()


# --- challenges ----------------------------------------------------------------------------------------------------


def test_challenge_of_a_cast_ballot_to_learn_its_vote_is_refused(election: Election) -> None:
    """A coercer asks the server to 'spoil' a ballot already cast: the server refuses to publish its opening."""
    client, credential = election.credential()
    prepared = client.prepare_ballot(credential, election.marks_for(credential, 1))
    reveal = prepared.reveal.to_json()  # kept by a modified device: the SDK erases it at the cast
    client.cast(prepared)
    body = {"ballot": prepared.ballot.to_json(), "reveal": reveal}
    refusal = attempt(election, "POST", "/v1/challenges", json=body)
    assert (refusal.status, refusal.code) == (409, "duplicate_ballot")


def test_challenge_with_a_reveal_of_another_ballot_is_refused(election: Election) -> None:
    a = _prepared(election, 0)[0]
    client, credential = election.credential()
    prepared = client.prepare_ballot(credential, election.marks_for(credential, 1))
    body = {"ballot": a.to_json(), "reveal": prepared.reveal.to_json()}
    refusal = attempt(election, "POST", "/v1/challenges", json=body)
    assert (refusal.status, refusal.code) == (422, "spoil_mismatch")

"""Coercion-resistant ballots (record.cr_ballot): their proofs bind the credential and the choices together, and a
whole tally through the record layer — ballots, the mixing chain of record.mix, tags, matching, decryption of the
kept packed choices and the party-list decoding — counts the real voters' choices and drops the coercer's."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.credentials import blind, encrypt_credential, match_tags, prove_credential_knowledge, verify_blinding
from crypto.dlog import DiscreteLogTable
from crypto.elgamal import Ciphertext
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from crypto.packed import decode_party_list, encode_party_list, encrypt_packed, party_list_bits
from crypto.shuffle import Row
from crypto.threshold import (
    check_decryption_shares,
    combine_decryption_share_vectors,
    compute_decryption_shares,
    evaluate_polynomial,
)
from elections.manifest import Manifest, TrusteeRosterEntry
from elections.presets import build_preset
from record.cr_ballot import (
    CrBallot,
    CrBallotError,
    check_cr_ballot,
    contest_context,
    create_cr_ballot,
    credential_context,
    mix_rows,
)
from record.cr_contests import Cell, Layout
from record.mix import MixInput, ShufflePost, check_mix, make_shuffle_post, require_mixed
from record.trustee_posts import identity_public_hex

#: The election key shared 2-of-3 among the trustees (f(x) = s + a·x; trustee i holds f(i)); K = s·G.
_POLYNOMIAL = [Scalar(0xC0E7C1), Scalar(0x51DE)]
SHARES = {i: evaluate_polynomial(_POLYNOMIAL, i) for i in (1, 2, 3)}
K = Point.base_mul(_POLYNOMIAL[0])
BASE = b"\x5b" * 32
ELECTION = "kg-parliament-cr-test"
LISTS = [54] * 21
PARTIES, POSITIONS = 21, 54
BITS = {"party-list": sum(party_list_bits(PARTIES, POSITIONS))}
MIXERS = [Ed25519PrivateKey.from_private_bytes(bytes([40 + i]) * 32) for i in range(3)]
#: The 2021 ballot's slots; the ballots here are of the style abroad (the party list only, its second slot a pad).
LAYOUT = Layout.of(build_preset("parliament-2021"))
STYLE = "s-abroad"


def _vote(secret: Scalar, party: int, preference: int) -> CrBallot:
    value = encode_party_list(party, preference, PARTIES, POSITIONS)
    return create_cr_ballot(BASE, K, ELECTION, STYLE, secret, {"party-list": (value, BITS["party-list"])})


def _manifest() -> Manifest:
    data = build_preset("president").model_dump(mode="json")
    data["trustees"] = [
        TrusteeRosterEntry(index=i + 1, name=f"Mixer {i + 1}", public_key=identity_public_hex(k)).model_dump()
        for i, k in enumerate(MIXERS)
    ]
    data["trustee_threshold"] = 2
    data["policy"]["mixing_trustees_required"] = 2
    return Manifest.from_dict(data)


def test_a_ballot_round_trips_and_verifies() -> None:
    ballot = CrBallot.from_payload(_vote(Scalar(5), 3, 7).to_payload())
    check_cr_ballot(ballot, BASE, K, ELECTION, BITS)
    assert "credential_key" not in ballot.to_payload()


def test_an_encrypted_credential_copied_onto_other_choices_is_refused() -> None:
    # The forger keeps a voter's encrypted credential and its proof and attaches choices of his own, proved for
    # that credential (the choice proofs need only the ciphertext): only the credential proof's binding catches it.
    victim = _vote(Scalar(5), 3, 7)
    value = encode_party_list(9, 0, PARTIES, POSITIONS)
    context = contest_context(BASE, ELECTION, STYLE, "party-list", victim.credential)
    forged = replace(victim, contests=(("party-list", encrypt_packed(context, K, value, BITS["party-list"])),))
    with pytest.raises(InvalidProofError):
        check_cr_ballot(forged, BASE, K, ELECTION, BITS)


def test_a_choice_copied_onto_another_encrypted_credential_is_refused() -> None:
    # The forger puts a voter's choice under his own credential and proves his credential over that ballot: only
    # the choice proofs' binding to the credential they were made with catches it.
    victim = _vote(Scalar(5), 3, 7)
    secret, nonce = Scalar(6), Scalar(66)
    credential = encrypt_credential(K, secret, nonce)
    unsigned = {**victim.unsigned(), "credential": credential.to_bytes().hex()}
    proof = prove_credential_knowledge(credential_context(BASE, unsigned), K, credential, secret, nonce)
    forged = CrBallot(ELECTION, STYLE, credential, proof, victim.contests)
    with pytest.raises(InvalidProofError):
        check_cr_ballot(forged, BASE, K, ELECTION, BITS)


def test_a_ballot_with_other_contests_than_its_style_is_refused() -> None:
    with pytest.raises(CrBallotError) as e:
        check_cr_ballot(_vote(Scalar(5), 3, 7), BASE, K, ELECTION, {"other": 11})
    assert e.value.code == "wrong_ballot_style"


def test_the_reader_is_strict() -> None:
    payload = _vote(Scalar(5), 3, 7).to_payload()
    with pytest.raises(CrBallotError) as e:
        CrBallot.from_payload({**payload, "credential_key": "00"})
    assert e.value.code == "malformed"
    with pytest.raises(CrBallotError):
        CrBallot.from_payload({**payload, "credential": payload["credential"][:-2]})


def test_a_whole_tally_counts_the_real_voters_and_drops_the_coercers_ballot() -> None:
    manifest = _manifest()
    voters = [Scalar.random() for _ in range(3)]
    roster = [encrypt_credential(K, s, Scalar.random()) for s in voters]
    fake = Scalar.random()  # voter 0's fake credential, handed to the coercer
    ballots = [_vote(fake, 20, 1), _vote(voters[0], 4, 2), _vote(voters[1], 4, 0), _vote(voters[2], 21, 0)]
    for ballot in ballots:
        check_cr_ballot(CrBallot.from_payload(ballot.to_payload()), BASE, K, ELECTION, BITS)

    def mixed(rows: list[Row]) -> list[Row]:
        mix_input = MixInput(tuple(rows)).to_payload()
        posts, current = [], list(rows)
        for position, trustee in enumerate((1, 3)):
            post = make_shuffle_post(MIXERS[trustee - 1], manifest, BASE, K, trustee, position, current)
            posts.append(post)
            current = list(ShufflePost.from_payload(post).outputs)
        return list(require_mixed(check_mix(manifest, BASE, K, mix_input, posts)))

    ballot_rows = mixed(mix_rows(ballots, LAYOUT, K))
    roster_rows = mixed([(e,) for e in roster])

    # Tags: two trustees blind every credential in turn, each with its proof; then trustees 1 and 3 (2 of 3) decrypt
    # with checked decryption shares. The choices of the kept ballots only are decrypted the same way.
    exponents = [Scalar.random(), Scalar.random()]

    def decrypt(cts: list[Ciphertext]) -> list[Point]:
        shares = []
        for trustee in (1, 3):
            mine = compute_decryption_shares(BASE, trustee, SHARES[trustee], cts)
            check_decryption_shares(BASE, Point.base_mul(SHARES[trustee]), cts, mine)
            shares.append(mine)
        return combine_decryption_share_vectors(cts, shares, 2)

    def tags(rows: list[Row]) -> list[Point]:
        column = [row[0] for row in rows]
        for z in exponents:
            blinded = []
            for ct in column:
                after, proof = blind(BASE, z, ct)
                verify_blinding(BASE, Point.base_mul(z), ct, after, proof)
                blinded.append(after)
            column = blinded
        return decrypt(column)

    match = match_tags(tags(ballot_rows), tags(roster_rows))
    assert len(match.kept) == 3 and len(match.unmatched) == 1
    table = DiscreteLogTable(LAYOUT.table_max(0), 64)
    choices = decrypt([ballot_rows[i][1] for i in match.kept])
    # Each slot value is the choice plus the public cell part (contest, region abroad); the pad decrypts to 0.
    values = [table.decode(point) for point in choices]
    assert {LAYOUT.decode(0, v)[0] for v in values} == {Cell("party-list", "abroad")}  # type: ignore[index]
    mask = (1 << LAYOUT.slot_bits[0]) - 1
    votes = Counter(decode_party_list(v & mask, LISTS, POSITIONS) for v in values)
    assert votes == Counter({(4, 2): 1, (4, 0): 1, (21, 0): 1})
    assert all(point.is_identity() for point in decrypt([ballot_rows[i][2] for i in match.kept]))

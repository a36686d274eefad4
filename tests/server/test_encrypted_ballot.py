"""The encrypted ballot format and weeding/aggregation (record.ballot, record.tally)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.blind_rsa import BlindRsaPrivateKey
from crypto.canonical import canonical_json
from crypto.elgamal import ElGamalKeyPair
from crypto.errors import NonCanonicalError
from elections.ballot import encode_ballot
from elections.presets import build_preset
from identity.credentials import CredentialRequest, IssuerKeys
from record.ballot import (
    BallotCheckError,
    BallotReveal,
    EncryptedBallot,
    ballot_canonical_json,
    check_ballot,
    check_spoiled,
    create_ballot,
    election_base_hash,
    tracking_code,
)
from record.tally import CastBallot, EncryptedTally, aggregate, weed

MANIFEST = build_preset("president")
STYLE = MANIFEST.ballot_styles[0].style_id


@pytest.fixture(scope="module")
def setting() -> dict[str, Any]:
    key = BlindRsaPrivateKey.generate(2048, insecure_allow_small_for_tests=True)
    issuer = IssuerKeys(dict.fromkeys((s.style_id for s in MANIFEST.ballot_styles), key))
    election_key = ElGamalKeyPair.generate()
    public = issuer.public_keys()
    return {
        "issuer": issuer,
        "public": public,
        "joint": election_key.public,
        "base": election_base_hash(MANIFEST, election_key.public, public),
    }


def make_ballot(setting: dict[str, Any], choice: int = 0) -> tuple[EncryptedBallot, BallotReveal, Any]:
    request = CredentialRequest.create(MANIFEST.election_id, STYLE, setting["public"][STYLE])
    credential = request.finalize(setting["issuer"].blind_sign(STYLE, request.blinded_message))
    contest = MANIFEST.contest("president")
    vectors = encode_ballot(MANIFEST, STYLE, {"president": [contest.selections[choice].selection_id]})
    ballot, reveal = create_ballot(
        MANIFEST,
        STYLE,
        vectors,
        joint_public_key=setting["joint"],
        base_hash=setting["base"],
        credential_key=credential.private_key,
        msg_prefix=credential.public.prepared_message[:32],
        registrar_signature=credential.public.signature,
    )
    return ballot, reveal, credential


def check(setting: dict[str, Any], value: object) -> Any:
    return check_ballot(
        value,
        manifest=MANIFEST,
        issuer_keys=setting["public"],
        joint_public_key=setting["joint"],
        base_hash=setting["base"],
    )


def test_a_ballot_round_trips_and_checks(setting: dict[str, Any]) -> None:
    ballot, _, _ = make_ballot(setting)
    parsed = EncryptedBallot.from_json(ballot.to_json())
    assert parsed == ballot
    assert check(setting, ballot.to_json()).ballot.ballot_hash() == ballot.ballot_hash()


def test_tracking_code_is_four_groups_of_base32() -> None:
    code = tracking_code(bytes(range(32)))
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code)


def test_ballot_replayed_under_another_credential_fails_its_proofs(setting: dict[str, Any]) -> None:
    """Copying someone's ciphertexts into a ballot of one's own credential: the proofs are bound to the key."""
    victim, _, _ = make_ballot(setting, 3)
    attacker, _, credential = make_ballot(setting, 0)
    copied = EncryptedBallot(**{**attacker.__dict__, "contests": victim.contests})
    signed = EncryptedBallot(**{**copied.__dict__, "signature": credential.private_key.sign(copied.signed_bytes())})
    with pytest.raises(BallotCheckError) as caught:
        check(setting, signed.to_json())
    assert caught.value.code == "invalid_proof"


def test_ballot_for_another_style_is_refused(setting: dict[str, Any]) -> None:
    ballot, _, _ = make_ballot(setting)
    other = MANIFEST.ballot_styles[1].style_id
    forged = EncryptedBallot(**{**ballot.__dict__, "style_id": other})
    with pytest.raises(BallotCheckError) as caught:
        check(setting, forged.to_json())
    assert caught.value.code == "credential_invalid"  # the registrar signed the credential for its own style


def test_uppercase_hex_is_not_canonical(setting: dict[str, Any]) -> None:
    ballot = make_ballot(setting)[0].to_json()
    ballot["signature"] = ballot["signature"].upper()
    with pytest.raises(BallotCheckError) as caught:
        check(setting, ballot)
    assert caught.value.code == "non_canonical"


def test_spoiled_ballot_opens_to_its_choice_and_a_wrong_reveal_fails(setting: dict[str, Any]) -> None:
    ballot, reveal, _ = make_ballot(setting, 4)
    opened = check_spoiled(
        ballot, BallotReveal.from_json(reveal.to_json()), manifest=MANIFEST, joint_public_key=setting["joint"]
    )
    assert opened == {"president": (MANIFEST.contest("president").selections[4].selection_id,)}
    lie = reveal.to_json()
    lie["contests"][0]["selections"][4], lie["contests"][0]["selections"][5] = 0, 1
    with pytest.raises(BallotCheckError) as caught:
        check_spoiled(ballot, BallotReveal.from_json(lie), manifest=MANIFEST, joint_public_key=setting["joint"])
    assert caught.value.code == "spoil_mismatch"


def test_weeding_keeps_the_last_ballot_with_revoting_and_the_first_without(setting: dict[str, Any]) -> None:
    first, _, credential = make_ballot(setting, 1)
    contest = MANIFEST.contest("president")
    vectors = encode_ballot(MANIFEST, STYLE, {"president": [contest.selections[2].selection_id]})
    second, _ = create_ballot(
        MANIFEST,
        STYLE,
        vectors,
        joint_public_key=setting["joint"],
        base_hash=setting["base"],
        credential_key=credential.private_key,
        msg_prefix=credential.public.prepared_message[:32],
        registrar_signature=credential.public.signature,
    )
    other, _, _ = make_ballot(setting, 3)
    cast = [CastBallot(i, b, tuple(b.decode_contests())) for i, b in ((5, first), (9, second), (7, other))]
    with_revote = weed(cast, revoting_allowed=True)
    assert [b.index for b in with_revote.counted] == [7, 9] and with_revote.superseded == (5,)
    without = weed(cast, revoting_allowed=False)
    assert [b.index for b in without.counted] == [5, 7] and without.refused_second == (9,)
    tally = aggregate(MANIFEST, [b.counted_item() for b in with_revote.counted])
    assert tally.ballots_counted == 2
    assert EncryptedTally.from_json(tally.to_json()) == tally
    assert {g.key: g.ballots for g in tally.styles}[STYLE] == 2


_printable = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
_json = st.recursive(
    st.none() | st.integers(min_value=-(2**53), max_value=2**53) | _printable | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_printable | st.text(max_size=3), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_printable, _json, max_size=5))
def test_fast_canonical_json_equals_rfc8785(value: dict[str, Any]) -> None:
    try:
        expected = canonical_json(value)
    except NonCanonicalError:
        with pytest.raises(NonCanonicalError):
            ballot_canonical_json(value)
        return
    assert ballot_canonical_json(value) == expected

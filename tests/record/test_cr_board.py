"""The coercion-resistant board entries (record.cr_board): the registrar's roster, the order chain (order tags, the
last ballot of each credential), the mix input recomputed from the posted ballots and the kept positions, and the
trustees' blinding chains. Each forgery differs from a valid record in the one thing tested."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.credentials import encrypt_credential, keep_last
from crypto.elgamal import Ciphertext
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from crypto.threshold import evaluate_polynomial
from elections.errors import TrusteeUnauthenticatedError
from elections.manifest import Manifest
from record.cr_board import (
    BlindingPost,
    CrBoardError,
    RosterPost,
    ballot_credentials,
    ballot_mix_input,
    check_ballot_mix_input,
    check_blinding,
    check_order_blinding,
    check_roster,
    make_blinding_post,
    make_roster_post,
)
from record.trustee_posts import sign_trustee_post
from tests.record.test_cr_ballot import _POLYNOMIAL, BASE, LAYOUT, MIXERS, K, _manifest, _vote

REGISTRAR = Ed25519PrivateKey.from_private_bytes(b"\x33" * 32)
EXPONENTS = {1: Scalar(0x1111), 2: Scalar(0x2222), 3: Scalar(0x3333)}


def cr_manifest() -> Manifest:
    data = _manifest().model_dump(mode="json")
    data["policy"]["mode"] = "coercion_resistant"
    data["registrar_key"] = REGISTRAR.public_key().public_bytes_raw().hex()
    return Manifest.from_dict(data)


MANIFEST = cr_manifest()
CREDENTIALS = [encrypt_credential(K, Scalar(100 + i), Scalar(200 + i)) for i in range(3)]


def _roster() -> list[dict[str, Any]]:
    return [make_roster_post(REGISTRAR, MANIFEST, i, c) for i, c in enumerate(CREDENTIALS)]


def _code(call: Any) -> str:
    with pytest.raises(CrBoardError) as e:
        call()
    return e.value.code


def test_the_roster_checks_and_holds_nothing_personal() -> None:
    posts = _roster()
    assert check_roster(MANIFEST, posts) == CREDENTIALS
    assert set(posts[0]) == {"election_id", "position", "credential", "registrar_key", "signature"}
    assert RosterPost.from_payload(posts[1]).position == 1


def test_a_roster_entry_omitted_or_posted_twice_is_refused() -> None:
    posts = _roster()
    assert _code(lambda: check_roster(MANIFEST, [posts[0], posts[2]])) == "roster_out_of_order"
    assert _code(lambda: check_roster(MANIFEST, [posts[0], posts[1], posts[1]])) == "roster_out_of_order"
    # The same encrypted credential re-posted at the next place, properly signed: a second vote for one voter.
    again = make_roster_post(REGISTRAR, MANIFEST, 3, CREDENTIALS[0])
    assert _code(lambda: check_roster(MANIFEST, [*posts, again])) == "roster_out_of_order"


def test_a_roster_entry_not_signed_by_the_pinned_registrar_is_refused() -> None:
    posts = _roster()
    other = make_roster_post(Ed25519PrivateKey.from_private_bytes(b"\x34" * 32), MANIFEST, 2, CREDENTIALS[2])
    assert _code(lambda: check_roster(MANIFEST, [*posts[:2], other])) == "registrar_unauthenticated"
    forged = {**posts[2], "credential": posts[1]["credential"][:-2] + posts[2]["credential"][-2:]}
    changed = {**posts[2], "credential": CREDENTIALS[1].to_bytes().hex()}
    assert _code(lambda: check_roster(MANIFEST, [*posts[:2], changed])) == "registrar_unauthenticated"
    with pytest.raises(CrBoardError):
        check_roster(MANIFEST, [*posts[:2], forged])


def test_the_roster_needs_the_coercion_resistant_mode() -> None:
    assert _code(lambda: check_roster(_manifest(), _roster())) == "not_coercion_resistant"


def test_the_mix_input_is_the_kept_ballots_rows_in_board_order() -> None:
    ballots = [_vote(Scalar(100 + i), 3, i).to_payload() for i in range(3)]
    mix_input = ballot_mix_input(ballots, [0, 1, 2], LAYOUT, K)
    check_ballot_mix_input(mix_input, ballots, [0, 1, 2], LAYOUT, K)
    # A mix input that omits a ballot, repeats one, or swaps the order is not the ballots'.
    for forged in (ballots[:2], [ballots[0], *ballots[:2]], [ballots[1], ballots[0], ballots[2]]):
        with pytest.raises(CrBoardError, match="last ballot of each credential") as e:
            check_ballot_mix_input(
                ballot_mix_input(forged, range(len(forged)), LAYOUT, K), ballots, [0, 1, 2], LAYOUT, K
            )
        assert e.value.code == "mix_input_not_of_ballots"


def test_the_mix_input_of_a_re_vote_is_the_last_ballot_and_no_other() -> None:
    # Ballots 0 and 2 share a credential (a re-vote): keep_last of their order tags keeps 1 and 2.
    ballots = [_vote(Scalar(100 + i % 2), 3, i).to_payload() for i in range(3)]
    order_tags = [Point.base_mul(100 + i % 2) for i in range(3)]
    kept = keep_last(order_tags).kept
    assert kept == (1, 2)
    check_ballot_mix_input(ballot_mix_input(ballots, kept, LAYOUT, K), ballots, kept, LAYOUT, K)
    # The earlier ballot mixed instead of the last, both mixed, or the whole board mixed: refused.
    for forged in ([0, 1], [0, 1, 2], [1]):
        with pytest.raises(CrBoardError) as e:
            check_ballot_mix_input(ballot_mix_input(ballots, forged, LAYOUT, K), ballots, kept, LAYOUT, K)
        assert e.value.code == "mix_input_not_of_ballots"
    # Kept positions out of range or not ascending are malformed, never read.
    assert _code(lambda: ballot_mix_input(ballots, [2, 1], LAYOUT, K)) == "malformed"
    assert _code(lambda: ballot_mix_input(ballots, [1, 3], LAYOUT, K)) == "malformed"


def _order_chain(column: list[Ciphertext], trustees: list[int], exponents: dict[int, Scalar]) -> list[dict[str, Any]]:
    posts = []
    for position, trustee in enumerate(trustees):
        post = make_blinding_post(
            MIXERS[trustee - 1], MANIFEST, BASE, trustee, "order", position, exponents[trustee], column
        )
        posts.append(post)
        column = list(BlindingPost.from_payload(post).outputs)
    return posts


ORDER_EXPONENTS = {1: Scalar(0x4444), 2: Scalar(0x5555), 3: Scalar(0x6666)}


def test_the_order_chain_gives_equal_order_tags_for_equal_credentials_only() -> None:
    ballots = [_vote(Scalar(100 + i % 2), 3, i).to_payload() for i in range(3)]
    column = ballot_credentials(ballots)
    order = check_order_blinding(MANIFEST, BASE, column, _order_chain(column, [1, 3], ORDER_EXPONENTS))
    assert order.trustees == (1, 3)
    assert order.keys == (Point.base_mul(ORDER_EXPONENTS[1]), Point.base_mul(ORDER_EXPONENTS[3]))
    secret = evaluate_polynomial(_POLYNOMIAL, 0)
    tags = [ct.beta - ct.alpha * secret for ct in order.outputs]
    assert tags[0] == tags[2] != tags[1]
    assert keep_last(tags).kept == (1, 2) and keep_last(tags).superseded == (0,)
    # The match chains do not read the order chain's posts, nor does the order chain read theirs.
    match = _chain(BALLOT_COLUMN, CREDENTIALS)
    both = [*_order_chain(column, [1, 3], ORDER_EXPONENTS), *match]
    assert check_order_blinding(MANIFEST, BASE, column, both).outputs == order.outputs
    assert check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, both).trustees == (1, 3)


def test_an_order_chain_by_fewer_trustees_than_the_policy_asks_or_out_of_order_is_refused() -> None:
    column = BALLOT_COLUMN
    posts = _order_chain(column, [1, 3], ORDER_EXPONENTS)
    assert _code(lambda: check_order_blinding(MANIFEST, BASE, column, posts[:1])) == "not_blinded"
    assert _code(lambda: check_order_blinding(MANIFEST, BASE, column, posts[1:])) == "blinding_out_of_order"
    assert _code(lambda: check_order_blinding(MANIFEST, BASE, column[:2], posts)) == "blinding_out_of_order"


def test_a_trustee_reusing_its_order_exponent_for_the_match_tags_is_refused() -> None:
    # Trustee 3's match exponent is its order exponent: its order and match tags would be alike.
    column = BALLOT_COLUMN
    order = check_order_blinding(MANIFEST, BASE, column, _order_chain(column, [1, 3], EXPONENTS))
    match = _chain(BALLOT_COLUMN, CREDENTIALS)
    assert _code(lambda: check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, match, order.keys)) == (
        "blinding_key_reused"
    )
    # One trustee's order exponent reused by ANOTHER trustee for the match tags is refused too.
    swapped = check_order_blinding(
        MANIFEST, BASE, column, _order_chain(column, [1, 3], {1: EXPONENTS[3], 3: ORDER_EXPONENTS[3]})
    )
    assert _code(lambda: check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, match, swapped.keys)) == (
        "blinding_key_reused"
    )
    fresh = check_order_blinding(MANIFEST, BASE, column, _order_chain(column, [1, 3], ORDER_EXPONENTS))
    check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, match, fresh.keys)


def _chain(
    ballots: list[Ciphertext], roster: list[Ciphertext], order: dict[str, list[int]] | None = None
) -> list[dict[str, Any]]:
    order = order or {"ballots": [1, 3], "roster": [1, 3]}
    posts = []
    for which, start in (("ballots", ballots), ("roster", roster)):
        column = start
        for position, trustee in enumerate(order[which]):
            post = make_blinding_post(
                MIXERS[trustee - 1], MANIFEST, BASE, trustee, which, position, EXPONENTS[trustee], column
            )
            posts.append(post)
            column = list(BlindingPost.from_payload(post).outputs)
    return posts


BALLOT_COLUMN = [encrypt_credential(K, Scalar(100 + i % 2), Scalar(300 + i)) for i in range(3)]


def test_blinding_chains_verify_and_give_equal_tags_for_equal_credentials() -> None:
    result = check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, _chain(BALLOT_COLUMN, CREDENTIALS))
    assert result.trustees == (1, 3)
    z = EXPONENTS[1] * EXPONENTS[3]
    secret = evaluate_polynomial(_POLYNOMIAL, 0)

    def tag(ct: Ciphertext) -> bytes:
        return (ct.beta - ct.alpha * secret).to_bytes()

    # Ballot 0 and roster entry 0 hold the same credential S: both tags are z·S; ballot 1 holds another.
    expected = (CREDENTIALS[0].beta - CREDENTIALS[0].alpha * secret) * z
    assert tag(result.ballots[0]) == tag(result.roster[0]) == expected.to_bytes()
    assert tag(result.ballots[1]) != tag(result.roster[0])


def test_a_blinding_with_a_bad_proof_is_refused() -> None:
    posts = _chain(BALLOT_COLUMN, CREDENTIALS)
    post = BlindingPost.from_payload(posts[1])
    # Trustee 3 raises one ciphertext to another exponent, re-signs: only the proof catches it.
    other = Ciphertext(post.outputs[0].alpha * Scalar(2), post.outputs[0].beta * Scalar(2))
    forged = BlindingPost(**{**post.__dict__, "outputs": (other, *post.outputs[1:])}).to_payload()
    posts[1] = sign_trustee_post(MIXERS[2], MANIFEST.manifest_hash(), "cr_blinding", forged)
    with pytest.raises(InvalidProofError):
        check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, posts)


def test_a_blinding_not_of_the_newest_list_or_unsigned_is_refused() -> None:
    posts = _chain(BALLOT_COLUMN, CREDENTIALS)
    assert _code(lambda: check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, [posts[1], *posts[2:]])) == (
        "blinding_out_of_order"
    )
    with pytest.raises(TrusteeUnauthenticatedError):
        check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, [{**posts[0], "trustee": 2}, *posts[1:]])


def test_the_two_lists_must_be_blinded_by_the_same_trustees() -> None:
    posts = _chain(BALLOT_COLUMN, CREDENTIALS, {"ballots": [1, 3], "roster": [1, 2]})
    assert _code(lambda: check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, posts)) == "blinding_lists_differ"


def test_fewer_blinding_trustees_than_the_policy_asks_is_refused() -> None:
    posts = _chain(BALLOT_COLUMN, CREDENTIALS, {"ballots": [1], "roster": [1]})
    assert _code(lambda: check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, posts)) == "not_blinded"


def test_a_trustee_changing_its_exponent_between_lists_is_refused() -> None:
    posts = _chain(BALLOT_COLUMN, CREDENTIALS)
    roster_first = BlindingPost.from_payload(posts[2])
    post = make_blinding_post(MIXERS[0], MANIFEST, BASE, 1, "roster", 0, Scalar(0x9999), list(CREDENTIALS))
    assert roster_first.trustee == 1
    posts[2] = post
    assert _code(lambda: check_blinding(MANIFEST, BASE, BALLOT_COLUMN, CREDENTIALS, posts)) == "blinding_key_changed"

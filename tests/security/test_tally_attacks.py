"""Attacks on the decryption through the trustees' API: wrong, swapped, replayed and partial decryption shares are
refused with a stable code and nothing is written; the result appears only with k valid shares and is right.
The crypto-level checks are in tests/crypto/test_threshold.py and tests/trustees/test_decryption.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crypto.group import Scalar
from crypto.threshold import DecryptionShare
from tests.security.conftest import attempt, written_state
from tests.server.harness import Election


@pytest.fixture(scope="module")
def tallied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    """Three ballots cast, voting closed, the encrypted tally posted; no trustee has decrypted yet."""
    election = Election(tmp_path_factory.mktemp("tally")).setup_to_voting()
    for choice in (0, 1, 1):
        client, credential = election.credential()
        client.cast(client.prepare_ballot(credential, election.marks_for(credential, choice)))
    election.close_and_tally()
    yield election
    election.close()


def _post(election: Election, trustee: int, shares: list[str], *, signed_by: int | None = None) -> tuple[int, str]:
    """Post ``shares`` in ``trustee``'s name, signed with a trustee's identity key (the harness signs as the
    trustees' tool does), and check that nothing was written."""
    before = written_state(election)
    response = election.post_shares(trustee, shares, signed_by=signed_by)
    assert written_state(election) == before, "a refused share post wrote something"
    assert 400 <= response.status_code < 500, response.text
    return response.status_code, str(response.json()["code"])


def test_unsigned_decryption_shares_are_refused(tallied: Election) -> None:
    body = {"trustee": 2, "shares": tallied.decryption_shares(2)}
    refusal = attempt(tallied, "POST", "/v1/trustees/decryption-shares", json=body)
    assert (refusal.status, refusal.code) == (403, "trustee_unauthenticated")


def test_decryption_shares_signed_by_another_trustee_are_refused(tallied: Election) -> None:
    """Trustee 3 (who holds a valid identity key) posts in trustee 2's slot, with trustee 2's genuine shares."""
    status, code = _post(tallied, 2, tallied.decryption_shares(2), signed_by=3)
    assert (status, code) == (403, "trustee_unauthenticated")


def test_decryption_shares_of_another_trustee_posted_in_my_slot_are_refused(tallied: Election) -> None:
    assert _post(tallied, 2, tallied.decryption_shares(3)) == (422, "invalid_decryption_share")


def test_decryption_share_with_a_changed_value_is_refused(tallied: Election) -> None:
    shares = tallied.decryption_shares(2)
    share = DecryptionShare.from_bytes(bytes.fromhex(shares[0]))
    raw = bytearray(share.to_bytes())
    raw[-1] ^= 1  # the last byte of the proof's response: still a canonical scalar, no longer a valid proof
    shares[0] = bytes(raw).hex()
    assert _post(tallied, 2, shares) == (422, "invalid_decryption_share")


def test_decryption_shares_for_only_part_of_the_tally_are_refused(tallied: Election) -> None:
    status, code = _post(tallied, 2, tallied.decryption_shares(2)[:-1])
    assert (status, code) == (422, "invalid_decryption_share")


def test_decryption_shares_in_the_wrong_order_are_refused(tallied: Election) -> None:
    shares = tallied.decryption_shares(2)
    shares[0], shares[1] = shares[1], shares[0]
    assert _post(tallied, 2, shares) == (422, "invalid_decryption_share")


def test_decryption_shares_for_a_trustee_who_does_not_exist_are_refused(tallied: Election) -> None:
    # Trustee 9 has no identity key on the board: nothing can authenticate a post in its name.
    assert _post(tallied, 9, tallied.decryption_shares(2), signed_by=2) == (403, "trustee_unauthenticated")


def test_shares_that_are_not_hex_are_malformed(tallied: Election) -> None:
    assert _post(tallied, 2, ["zz"]) == (422, "malformed")


def test_k_minus_one_valid_shares_publish_nothing_and_k_publish_the_right_result(tallied: Election) -> None:
    board = tallied.components.board
    for trustee in (2, 4):
        response = tallied.post_shares(trustee)
        assert response.status_code == 200 and response.json()["results_published"] is False
    assert board.find_by_dedup_key("result") is None
    size = board.size
    replay = tallied.post_shares(2)
    # A trustee posting again (fresh proofs) is not a second trustee: nothing is written, nothing published.
    assert replay.status_code == 200 and replay.json()["appended"] is False and board.size == size
    assert board.find_by_dedup_key("result") is None
    assert tallied.post_shares(5).json()["results_published"] is True
    result = board.find_by_dedup_key("result")
    assert result is not None
    contest = result.payload["results"]["contests"][0]
    votes = {s["selection_id"]: s["votes"] for s in contest["selections"]}
    first, second = (tallied.manifest.contests[0].selections[i].selection_id for i in (0, 1))
    assert (votes[first], votes[second], sum(votes.values())) == (1, 2, 3)


def _share_hex() -> str:
    from crypto.elgamal import ElGamalKeyPair, encrypt
    from crypto.threshold import compute_decryption_shares

    key = ElGamalKeyPair.from_secret(Scalar(9))
    (share,) = compute_decryption_shares(b"\x01" * 32, 1, Scalar(9), [encrypt(key.public, 1, Scalar(3))])
    return share.to_bytes().hex()


def test_scalar_not_below_the_order_in_a_share_is_non_canonical() -> None:
    """Decoder level (the API maps it to a 422): a share whose response is n + small is refused."""
    from crypto.errors import NonCanonicalError
    from crypto.group import ORDER

    raw = bytes.fromhex(_share_hex())
    for bad in (ORDER, ORDER + 5, 2**256 - 1):  # the proof's response (the share's last field) not below n
        with pytest.raises(NonCanonicalError):
            DecryptionShare.from_bytes(raw[:-32] + bad.to_bytes(32, "big"))

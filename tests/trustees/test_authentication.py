"""Trustee authentication: every post in trustee j's name must be signed by the identity key on the roster."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import payload_hash
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from elections.errors import TrusteeUnauthenticatedError
from elections.presets import build_preset
from record.ceremony import Post
from tests.trustees.conftest import IDENTITY_KEYS, PARAMS, new_board, post_manifest, signed, trustee_secrets
from tests.trustees.election import cast_and_close, open_election
from trustees.airgap import Purpose, import_response, make_request, respond
from trustees.ceremony_steps import run_trustee, trustee_step
from trustees.coordinator import BoardTransport, CeremonyParams
from trustees.decryption import check_posted_tally, decryption_post
from trustees.errors import CeremonyError
from trustees.identity import board_manifest, new_identity_key, sign_post
from trustees.keystore_contents import MemoryStore, TrusteeSecrets


def _commitment(board: BulletinBoard, index: int) -> Post:
    [post], _ = trustee_step(trustee_secrets(index), board.entries(0, board.size))
    return post


def test_outsider_cannot_take_a_trustee_slot(board: BulletinBoard) -> None:
    """An outsider posts first in trustee 2's slot, unsigned and then signed by its own key: both refused, nothing
    written, and the real trustee 2 still takes its slot."""
    genuine = _commitment(board, 2)
    unsigned = Post(genuine.kind, {k: v for k, v in genuine.payload.items() if k != "signature"}, genuine.dedup_key)
    outsider = sign_post(new_identity_key(), board_manifest(board.entries(0, board.size)), unsigned)
    for attempt in (unsigned, outsider):
        with pytest.raises(TrusteeUnauthenticatedError) as info:
            BoardTransport(board, PARAMS).post([attempt])
        assert info.value.code == "trustee_unauthenticated"
        assert board.size == 1
    status = run_trustee(MemoryStore(trustee_secrets(2).to_dict()), BoardTransport(board, PARAMS))
    assert status.waiting_for == (1, 3, 4, 5)
    assert board.find_by_dedup_key(genuine.dedup_key) is not None


def test_trustee_post_signed_by_another_trustees_key_is_refused(board: BulletinBoard) -> None:
    post = _commitment(board, 1)
    by_trustee_2 = sign_post(IDENTITY_KEYS[1], board_manifest(board.entries(0, board.size)), post)
    with pytest.raises(TrusteeUnauthenticatedError):
        BoardTransport(board, PARAMS).post([by_trustee_2])
    assert board.size == 1


def test_post_replayed_from_another_election_is_refused() -> None:
    """Same roster, two elections: trustee 1's signed commitment for one is refused on the other."""
    first, second = new_board("election-a"), new_board("election-b")
    replayed = _commitment(first, 1)
    with pytest.raises(TrusteeUnauthenticatedError):
        BoardTransport(second, PARAMS).post([replayed])
    assert second.size == 1


def test_keystore_whose_key_is_not_on_the_roster_refuses_to_act(board: BulletinBoard) -> None:
    secrets = trustee_secrets(3)
    secrets.identity_key = new_identity_key()
    with pytest.raises(TrusteeUnauthenticatedError):
        trustee_step(secrets, board.entries(0, board.size))


def test_ceremony_size_other_than_the_rosters_is_refused(board: BulletinBoard) -> None:
    post = _commitment(board, 1)
    with pytest.raises(CeremonyError) as info:
        BoardTransport(board, CeremonyParams(5, 2)).post([post])
    assert info.value.code == "wrong_ceremony"


def test_without_a_roster_posts_are_taken_only_in_development() -> None:
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin="cec.shailoo.kg/test")
    post_manifest(board, build_preset("president"))
    secrets = TrusteeSecrets.from_dict(trustee_secrets(1).to_dict())
    [post], _ = trustee_step(secrets, board.entries(0, board.size))
    with pytest.raises(TrusteeUnauthenticatedError):
        BoardTransport(board, PARAMS).post([post])
    assert board.size == 1
    BoardTransport(board, CeremonyParams(5, 3, allow_unauthenticated=True)).post([post])
    assert board.size == 2


def test_decryption_share_signed_by_another_trustees_key_is_refused() -> None:
    election = cast_and_close(open_election())
    board = election.board
    on_board = check_posted_tally(board.entries(0, board.size))
    secrets = TrusteeSecrets.from_dict(election.trustees[0].secrets)
    assert secrets.key_share is not None
    honest = decryption_post(secrets.key_share, on_board, secrets.identity_key)
    forged = signed(board, honest, 2)  # trustee 1's shares, signed with trustee 2's key
    size = board.size
    with pytest.raises(TrusteeUnauthenticatedError):
        BoardTransport(board, PARAMS).post([forged])
    assert board.size == size
    BoardTransport(board, PARAMS).post([honest])
    assert board.size == size + 1


def test_air_gapped_response_with_a_bad_signature_is_refused(board: BulletinBoard) -> None:
    request = make_request(board.entries(0, board.size), 3, Purpose.KEY_CEREMONY)
    response, _ = respond(MemoryStore(trustee_secrets(3).to_dict()), request)
    [post] = response["posts"]
    signature = bytearray(bytes.fromhex(post["payload"]["signature"]))
    signature[0] ^= 1
    tampered = {**post, "payload": {**post["payload"], "signature": signature.hex()}}
    declared = [payload_hash(tampered["kind"], tampered["payload"]).hex()]  # the file's own hashes are no defence
    with pytest.raises(TrusteeUnauthenticatedError):
        import_response(board, PARAMS, {**response, "posts": [tampered], "post_hashes": declared})
    assert board.size == 1
    assert [p.dedup_key for p in import_response(board, PARAMS, response)] == [post["dedup_key"]]


def test_a_post_naming_another_attempt_than_its_context_is_refused(board: BulletinBoard) -> None:
    """The payload's attempt must be the ceremony's: a signed post whose attempt field disagrees with its context
    is refused, nothing written (the verifier recomputes C from the attempt a record names)."""
    genuine = _commitment(board, 1)
    relabelled = {k: v for k, v in genuine.payload.items() if k != "signature"} | {"attempt": 2}
    forged = sign_post(
        IDENTITY_KEYS[0],
        board_manifest(board.entries(0, board.size)),
        Post(genuine.kind, relabelled, genuine.dedup_key),
    )
    with pytest.raises(CeremonyError) as info:
        BoardTransport(board, PARAMS).post([forged])
    assert info.value.code == "wrong_ceremony"
    assert board.size == 1
    BoardTransport(board, PARAMS).post([genuine])
    assert board.size == 2

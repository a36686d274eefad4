"""The key ceremony on the board: 3-of-5, cheating dealers, crash and resume, the coordinator's checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin_board.log import BulletinBoard
from crypto.errors import InvalidProofError
from crypto.group import Point
from crypto.share_encryption import EncryptedShare, encrypt_share
from crypto.threshold import make_complaint
from record.ceremony import Post, checked_post, joint_key_post, read_ceremony, shares_post
from tests.trustees.conftest import FAST_KDF, PARAMS, signed, trustee_secrets
from trustees.ceremony_checks import expected_joint_key, find_cheaters
from trustees.ceremony_steps import CeremonyStage, run_trustee, trustee_step
from trustees.coordinator import BoardTransport
from trustees.errors import CeremonyError, CeremonyFailedError
from trustees.in_process import run_key_ceremony
from trustees.keystore import Keystore
from trustees.keystore_contents import MemoryStore, SecretsStore, TrusteeSecrets

PASS = "trustee three passphrase"


def test_three_of_five_ceremony_puts_joint_key_and_public_shares_on_the_board(board: BulletinBoard) -> None:
    joint, stores = run_key_ceremony(board, PARAMS, _stores())
    kinds = [e.kind.value for e in board.entries(0, board.size)]
    assert kinds.count("trustee_commitment") == 5
    assert kinds.count("trustee_share") == 5
    assert kinds.count("complaint") == 5
    assert kinds.count("joint_key") == 1
    assert board.phase.value == "ready"
    secrets = [TrusteeSecrets.from_dict(s.secrets) for s in stores]
    for trustee in secrets:
        assert trustee.key_share is not None
        assert trustee.key_share.joint_public_key == joint.joint_public_key
        assert Point.base_mul(trustee.key_share.secret_share) == joint.public_share(trustee.index)


def _stores() -> list[MemoryStore]:
    return [MemoryStore(trustee_secrets(i, PARAMS).to_dict()) for i in range(1, PARAMS.n + 1)]


def _run_all(stores: list[MemoryStore], transport: BoardTransport) -> None:
    for store in stores:
        run_trustee(store, transport)


def test_every_trustee_waits_in_step_one_until_all_have_committed(board: BulletinBoard) -> None:
    stores = _stores()
    transport = BoardTransport(board, PARAMS)
    first = run_trustee(stores[0], transport)
    assert first.stage is CeremonyStage.COMMITMENTS
    assert first.waiting_for == (2, 3, 4, 5)


def _dealer_sends_bad_share(board: BulletinBoard, stores: list[MemoryStore], dealer: int, victim: int) -> None:
    """Trustee ``dealer`` runs step 2 honestly, then replaces the share for ``victim`` by f(victim) + 1."""
    transport = BoardTransport(board, PARAMS)
    secrets = TrusteeSecrets.from_dict(stores[dealer - 1].secrets)
    posts, _ = trustee_step(secrets, transport.read_entries())
    [post] = posts
    assert post.kind.value == "trustee_share"
    context = secrets.context
    assert context is not None and secrets.dkg_state is not None
    view = read_ceremony(transport.read_entries(), context, PARAMS.n, PARAMS.k)
    forged = encrypt_share(
        context, dealer, victim, view.commitments[victim].share_public_key, secrets.dkg_state.share_for(victim) + 1
    )
    shares = [forged if s.recipient == victim else s for s in view_shares(post)]
    bad = signed(board, shares_post(context, dealer, shares, attempt=1), dealer)
    secrets.outbox[bad.dedup_key] = bad
    stores[dealer - 1].save(secrets.to_dict())
    transport.post([bad])


def view_shares(post: Post) -> list[EncryptedShare]:
    return [EncryptedShare.from_dict(s) for s in post.payload["shares"]]


def test_cheating_dealer_of_shares_is_named_by_the_complaint(board: BulletinBoard) -> None:
    stores = _stores()
    transport = BoardTransport(board, PARAMS)
    _run_all(stores, transport)  # everyone commits
    _dealer_sends_bad_share(board, stores, dealer=2, victim=4)
    with pytest.raises(CeremonyFailedError) as info:
        for _ in range(3):
            _run_all(stores, transport)
    assert info.value.cheaters == (2,)
    assert info.value.code == "ceremony_failed"
    # The complaint is on the board and anyone can judge it from public data.
    context = TrusteeSecrets.from_dict(stores[0].secrets).context
    assert context is not None
    view = read_ceremony(board.entries(0, board.size), context, PARAMS.n, PARAMS.k)
    assert [c.accused for c in view.complaints[4]] == [2]
    assert find_cheaters(view) == {2: "share_inconsistent_with_commitments"}
    assert board.phase.value == "key_ceremony"  # no joint key
    with pytest.raises(CeremonyFailedError):
        board_post = expected_joint_key(view)
        BoardTransport(board, PARAMS).post([joint_key_post(context, board_post, attempt=1)])


def test_false_complaint_names_the_complainer(board: BulletinBoard) -> None:
    stores = _stores()
    transport = BoardTransport(board, PARAMS)
    liar = stores.pop(3)  # trustee 4 deals honestly but lies in step 3
    _run_all(stores, transport)
    secrets = TrusteeSecrets.from_dict(liar.secrets)
    for _ in range(2):  # step 1, then step 2
        posts, _ = trustee_step(secrets, transport.read_entries())
        transport.post(posts)
    _run_all(stores, transport)
    context = secrets.context
    assert context is not None and secrets.dkg_state is not None
    view = read_ceremony(board.entries(0, board.size), context, PARAMS.n, PARAMS.k)
    good_share = next(s for s in view.shares_for(4) if s.sender == 1)
    lie = signed(
        board, checked_post(context, 4, [make_complaint(context, secrets.dkg_state, good_share)], attempt=1), 4
    )
    transport.post([lie])
    with pytest.raises(CeremonyFailedError) as info:
        _run_all(stores, transport)
    assert info.value.cheaters == (4,)


class Crash(Exception):
    pass


class CrashingTransport(BoardTransport):
    """Crashes when asked to post an entry of ``kind``: before sending, or just after the board took it."""

    def __init__(self, board: BulletinBoard, kind: str, *, after_send: bool) -> None:
        super().__init__(board, PARAMS)
        self.kind = kind
        self.after_send = after_send

    def post(self, posts):  # type: ignore[no-untyped-def]
        if any(p.kind.value == self.kind for p in posts):
            if self.after_send:
                super().post(posts)
            raise Crash(f"power cut while posting {self.kind}")
        super().post(posts)


@pytest.mark.parametrize("after_send", [False, True], ids=["before-send", "after-send"])
def test_trustee_crashing_after_step_two_resumes_from_keystore_and_board(
    board: BulletinBoard, tmp_path: Path, after_send: bool
) -> None:
    stores: list[SecretsStore] = list(_stores())
    keystore_path = tmp_path / "trustee3.keystore"
    secrets3 = trustee_secrets(3, PARAMS)
    stores[2] = Keystore.create(keystore_path, PASS, secrets3.to_dict(), label=secrets3.label(), kdf=FAST_KDF)
    transport = BoardTransport(board, PARAMS)
    crashing = CrashingTransport(board, "complaint", after_send=after_send)
    _run_all(stores, transport)  # step 1
    _run_all(stores, transport)  # step 2: everyone's shares are on the board
    with pytest.raises(Crash):
        run_trustee(stores[2], crashing)  # trustee 3 dies while sending its step-3 entry
    commitment_before = TrusteeSecrets.from_dict(Keystore.open(keystore_path, PASS).secrets).outbox
    stores[2] = Keystore.open(keystore_path, PASS)  # the laptop restarts
    for _ in range(3):
        _run_all(stores, transport)
    kinds = [e.kind.value for e in board.entries(0, board.size)]
    assert kinds.count("complaint") == 5 and kinds.count("trustee_commitment") == 5
    assert kinds.count("joint_key") == 1
    resumed = TrusteeSecrets.from_dict(Keystore.open(keystore_path, PASS).secrets)
    assert resumed.key_share is not None
    assert {k: v.payload for k, v in resumed.outbox.items()} == {k: v.payload for k, v in commitment_before.items()}


def test_rerunning_a_finished_trustee_posts_nothing(board: BulletinBoard) -> None:
    joint, stores = run_key_ceremony(board, PARAMS, _stores())
    size = board.size
    status = run_trustee(stores[0], BoardTransport(board, PARAMS))
    assert status.done and status.joint_key == joint
    assert board.size == size


def test_lost_keystore_cannot_post_a_second_commitment(board: BulletinBoard) -> None:
    transport = BoardTransport(board, PARAMS)
    run_trustee(MemoryStore(trustee_secrets(1, PARAMS).to_dict()), transport)
    with pytest.raises(CeremonyError) as info:
        run_trustee(MemoryStore(trustee_secrets(1, PARAMS).to_dict()), transport)
    assert info.value.code == "slot_taken"


def test_coordinator_refuses_a_commitment_with_a_forged_proof(board: BulletinBoard) -> None:
    secrets = trustee_secrets(1, PARAMS)
    posts, _ = trustee_step(secrets, board.entries(0, board.size))
    [post] = posts
    forged = dict(post.payload)
    other_secrets = trustee_secrets(2, PARAMS)
    other_posts, _ = trustee_step(other_secrets, board.entries(0, board.size))
    forged["commitment"] = {
        **post.payload["commitment"],
        "coefficient_proof": other_posts[0].payload["commitment"]["coefficient_proof"],
    }
    with pytest.raises(InvalidProofError):
        BoardTransport(board, PARAMS).post([signed(board, Post(post.kind, forged, post.dedup_key), 1)])
    assert board.size == 1


def test_coordinator_refuses_shares_before_all_commitments(board: BulletinBoard) -> None:
    stores = _stores()
    transport = BoardTransport(board, PARAMS)
    for store in stores[:4]:
        run_trustee(store, transport)
    secrets = TrusteeSecrets.from_dict(stores[0].secrets)
    assert secrets.context is not None and secrets.dkg_state is not None
    early = signed(board, shares_post(secrets.context, 1, [], attempt=1), 1)
    with pytest.raises(CeremonyError) as info:
        transport.post([early])
    assert info.value.code == "too_early"


def test_post_for_another_trustee_slot_is_refused(board: BulletinBoard) -> None:
    secrets = trustee_secrets(1, PARAMS)
    [post], _ = trustee_step(secrets, board.entries(0, board.size))
    squatting = Post(post.kind, post.payload, post.dedup_key.replace("/commitment/1", "/commitment/2"))
    with pytest.raises(CeremonyError) as info:
        BoardTransport(board, PARAMS).post([squatting])
    assert info.value.code == "wrong_slot"


def test_complaint_against_a_trustee_who_does_not_exist_is_refused(board: BulletinBoard) -> None:
    stores = _stores()
    transport = BoardTransport(board, PARAMS)
    complainer = stores.pop(0)
    _run_all(stores, transport)
    secrets = TrusteeSecrets.from_dict(complainer.secrets)
    for _ in range(2):
        posts, _ = trustee_step(secrets, transport.read_entries())
        transport.post(posts)
    _run_all(stores, transport)  # the others send their shares
    context = secrets.context
    assert context is not None and secrets.dkg_state is not None
    view = read_ceremony(board.entries(0, board.size), context, PARAMS.n, PARAMS.k)
    honest = make_complaint(context, secrets.dkg_state, view.shares_for(1)[0])
    fake = type(honest)(1, 9, honest.shared_point, honest.proof, honest.revealed_share)
    ghost = signed(board, checked_post(context, 1, [fake], attempt=1), 1)
    size = board.size
    with pytest.raises(CeremonyError):
        transport.post([ghost])
    assert board.size == size

"""The key ceremony on the board: 3-of-5, cheating dealers disqualified, crash and resume, the coordinator's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from crypto.errors import InvalidProofError
from crypto.group import Point, point_sum
from crypto.threshold import make_complaint
from record.ceremony import (
    CeremonyStep,
    CeremonyView,
    Disqualification,
    JointKey,
    Post,
    StepClosed,
    checked_post,
    read_ceremony,
    shares_post,
    step_closed_post,
)
from tests.trustees.cheating import run_ceremony_with_cheaters
from tests.trustees.conftest import FAST_KDF, PARAMS, post_manifest, roster_manifest, signed, trustee_secrets
from trustees.ceremony_checks import expected_joint_key, judge_complaints
from trustees.ceremony_steps import CeremonyStage, run_trustee, trustee_step
from trustees.coordinator import BoardTransport, CeremonyParams, close_step
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


def _view(board: BulletinBoard, stores: list[MemoryStore], params: CeremonyParams = PARAMS) -> CeremonyView:
    context = TrusteeSecrets.from_dict(stores[0].secrets).context
    assert context is not None
    return read_ceremony(board.entries(0, board.size), context, params.n, params.k)


def test_cheating_dealer_is_disqualified_and_the_other_four_make_the_key(board: BulletinBoard) -> None:
    # Trustee 2 sends trustee 4 a share that fails Feldman's check; 4's complaint opens it and is upheld.
    stores = _stores()
    joint = run_ceremony_with_cheaters(board, PARAMS, stores, {2: 4})
    assert joint.qualified == (1, 3, 4, 5)
    assert joint.disqualified == {2: Disqualification.SHARE_INCONSISTENT_WITH_COMMITMENTS}
    view = _view(board, stores)
    assert [c.accused for c in view.complaints[4]] == [2]
    assert joint.joint_public_key == point_sum(view.commitments[j].coefficient_commitments[0] for j in (1, 3, 4, 5))
    on_board = [e for e in board.entries(0, board.size) if e.kind.value == "joint_key"]
    assert [JointKey.from_payload(e.payload) for e in on_board] == [joint]
    assert board.phase.value == "ready"
    # Every trustee holds a share of K, the cheater too: its share comes from the qualified dealers only.
    for store in stores:
        secrets = TrusteeSecrets.from_dict(store.secrets)
        assert secrets.key_share is not None and secrets.key_share.joint_public_key == joint.joint_public_key
        assert Point.base_mul(secrets.key_share.secret_share) == joint.public_share(secrets.index)


def test_false_complaint_disqualifies_nobody(board: BulletinBoard) -> None:
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
    joint, _ = run_key_ceremony(board, PARAMS, stores)
    assert joint.qualified == (1, 2, 3, 4, 5) and joint.disqualified == {}
    _, verdicts = judge_complaints(_view(board, stores))
    assert [(v.accused, v.guilty, v.reason) for v in verdicts] == [(1, 4, "false_complaint")]


def test_two_cheaters_in_a_four_of_five_leave_three_qualified_and_the_ceremony_fails_naming_both() -> None:
    four_of_five = CeremonyParams(n=5, k=4)
    board = _board(four_of_five)
    stores = [MemoryStore(trustee_secrets(i, four_of_five).to_dict()) for i in range(1, 6)]
    with pytest.raises(CeremonyFailedError) as info:
        run_ceremony_with_cheaters(board, four_of_five, stores, {2: 4, 5: 1})
    assert info.value.code == "ceremony_failed"
    assert info.value.cheaters == (2, 5)
    assert info.value.disqualified == {
        2: "share_inconsistent_with_commitments",
        5: "share_inconsistent_with_commitments",
    }
    assert "trustee 2 (share_inconsistent_with_commitments)" in info.value.message
    assert "trustee 5 (share_inconsistent_with_commitments)" in info.value.message
    assert board.phase.value == "key_ceremony"  # no joint key
    # Nobody can post one: the coordinator judges the board the same way.
    view = _view(board, stores, four_of_five)
    with pytest.raises(CeremonyFailedError):
        expected_joint_key(view)
    # The way out: the commission restarts with the next attempt, a new context.
    restarted = CeremonyParams(n=5, k=4, attempt=2)
    joint, _ = run_key_ceremony(
        board, restarted, [MemoryStore(trustee_secrets(i, restarted).to_dict()) for i in range(1, 6)]
    )
    assert joint.qualified == (1, 2, 3, 4, 5)


def _board(params: CeremonyParams) -> BulletinBoard:
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin="cec.shailoo.kg/test")
    post_manifest(board, roster_manifest("test-2026", params))
    return board


def test_a_trustee_who_never_commits_is_closed_out_and_the_other_four_make_the_key(board: BulletinBoard) -> None:
    stores = _stores()
    absent = stores.pop(4)  # trustee 5 never shows up
    transport = BoardTransport(board, PARAMS)
    _run_all(stores, transport)
    assert run_trustee(stores[0], transport).waiting_for == (5,)
    joint, _ = run_key_ceremony(board, PARAMS, stores, close_missing=True)
    assert joint.qualified == (1, 2, 3, 4)
    assert joint.disqualified == {5: Disqualification.NO_COMMITMENT}
    closes = [e.payload for e in board.entries(0, board.size) if e.kind.value == "step_closed"]
    assert [(c["step"], c["missing"]) for c in closes] == [("commitments", [5])]
    # Trustee 5 arriving late takes no part: its tools say so and the coordinator refuses its commitment.
    with pytest.raises(CeremonyError) as info:
        run_trustee(absent, transport)
    assert info.value.code == "excluded"
    late = TrusteeSecrets.from_dict(trustee_secrets(5).to_dict())
    board_without_close = [e for e in board.entries(0, board.size) if e.kind.value == "manifest"]
    [commitment], _ = trustee_step(late, board_without_close)
    with pytest.raises(CeremonyError) as info:
        transport.post([commitment])
    assert info.value.code == "too_late"


def test_a_dealer_who_never_deals_is_disqualified_but_still_holds_a_share(board: BulletinBoard) -> None:
    stores = _stores()
    transport = BoardTransport(board, PARAMS)
    for store in stores:  # everyone commits
        secrets = TrusteeSecrets.from_dict(store.secrets)
        posts, _ = trustee_step(secrets, transport.read_entries())
        store.save(secrets.to_dict())
        transport.post(posts)
    # Trustee 3 seals its shares in its outbox, but they never reach the board (its laptop loses the network).
    secrets3 = TrusteeSecrets.from_dict(stores[2].secrets)
    [lost], _ = trustee_step(secrets3, transport.read_entries())
    stores[2].save(secrets3.to_dict())
    assert lost.kind.value == "trustee_share"
    _run_all([stores[i] for i in (0, 1, 3, 4)], transport)
    with pytest.raises(CeremonyError) as info:  # the checks step cannot be closed before the shares step
        close_step(board, PARAMS, CeremonyStep.CHECKS)
    assert info.value.code == "too_early"
    close_step(board, PARAMS, CeremonyStep.SHARES)
    joint, _ = run_key_ceremony(board, PARAMS, stores)  # trustee 3 comes back for the checks and the finish
    assert joint.qualified == (1, 2, 4, 5)
    assert joint.disqualified == {3: Disqualification.NO_SHARES}
    secrets3 = TrusteeSecrets.from_dict(stores[2].secrets)
    assert secrets3.key_share is not None
    assert Point.base_mul(secrets3.key_share.secret_share) == joint.public_share(3)
    senders = [e.payload["sender"] for e in board.entries(0, board.size) if e.kind.value == "trustee_share"]
    assert senders == [1, 2, 4, 5]  # back after the close, trustee 3 did not send its sealed shares


def test_the_coordinator_closes_only_a_step_someone_is_missing_from(board: BulletinBoard) -> None:
    stores = _stores()
    transport = BoardTransport(board, PARAMS)
    _run_all(stores, transport)  # every commitment, then every share
    with pytest.raises(CeremonyError) as info:
        close_step(board, PARAMS, CeremonyStep.COMMITMENTS)
    assert info.value.code == "nothing_to_close"
    # A trustee cannot close a step: only the coordinator can.
    context = TrusteeSecrets.from_dict(stores[0].secrets).context
    assert context is not None
    forged = step_closed_post(context, StepClosed(CeremonyStep.CHECKS, (2,)), attempt=1)
    with pytest.raises(CeremonyError) as info:
        transport.post([forged])
    assert info.value.code == "forbidden"


def test_a_close_that_names_a_trustee_who_posted_is_refused_by_the_trustees(board: BulletinBoard) -> None:
    stores = _stores()
    transport = BoardTransport(board, PARAMS)
    for store in stores[:4]:
        run_trustee(store, transport)
    context = TrusteeSecrets.from_dict(stores[0].secrets).context
    assert context is not None
    lie = step_closed_post(context, StepClosed(CeremonyStep.COMMITMENTS, (4, 5)), attempt=1)
    board.append(lie.kind, lie.payload, dedup_key=lie.dedup_key)  # a coordinator that lies about trustee 4
    with pytest.raises(CeremonyError) as info:
        run_trustee(stores[0], transport)
    assert info.value.code == "wrong_close"


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

"""The coordinator's side of the key ceremony: the parameters it fixed, its check of every trustee post before
the post reaches the board, and its close of a step a trustee did not post in.

`check_post` judges one post against the board (context, roster signature, slot, and the ceremony's own rules
through `trustees.ceremony_checks`); `accept_post` checks and appends it (the server's trustee endpoints call it).
`close_step` is the commission's deadline put on the board: a ``step_closed`` entry naming the trustees still
missing, after which the step's entries are refused (``too_late``) and the others go on without them.
`BoardTransport` is the in-process `trustees.ceremony_steps.CeremonyTransport`: it reads the `BulletinBoard`
directly and appends posts after the same checks (decryption shares after `trustees.decryption`'s).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bulletin_board.entries import Entry, EntryKind, canonical_payload
from bulletin_board.errors import DuplicateEntryError
from bulletin_board.log import BulletinBoard
from crypto.group import Point
from crypto.threshold import dkg_step1_check
from record.ceremony import (
    STEP_OF_KIND,
    CeremonyStep,
    CeremonyView,
    Post,
    StepClosed,
    ceremony_context,
    closed_key,
    manifest_payload_hash,
    read_ceremony,
    step_closed_post,
)
from trustees.ceremony_checks import (
    expected_joint_key,
    judge_commitments,
    participant_commitments,
    previous_step,
    require_enough,
    waiting_for,
)
from trustees.decryption import accept_decryption_post
from trustees.errors import CeremonyError
from trustees.identity import authenticate_post, board_manifest, check_ceremony_size


@dataclass(frozen=True)
class CeremonyParams:
    """What the commission fixed for the ceremony: n trustees, threshold k, and the attempt number.

    ``allow_unauthenticated`` lets a board whose manifest has no trustee roster take trustee posts nobody can
    authenticate: a server in development mode only (docs/trustees.md, "Trustee identity")."""

    n: int
    k: int
    attempt: int = 1
    allow_unauthenticated: bool = False


class BoardTransport:
    """In-process transport: reads and appends the `BulletinBoard` directly, after the coordinator's `check_post`."""

    def __init__(self, board: BulletinBoard, params: CeremonyParams) -> None:
        self.board = board
        self.params = params

    def read_entries(self) -> list[Entry]:
        return self.board.entries(0, self.board.size)

    def post(self, posts: Sequence[Post]) -> None:
        for post in posts:
            if post.kind is EntryKind.DECRYPTION_SHARE:
                accept_decryption_post(self.board, post, allow_unauthenticated=self.params.allow_unauthenticated)
            else:
                accept_post(self.board, self.params, post)


#: Serialises the coordinator's check-then-append of ceremony posts and closes in this process, so a post checked
#: before a close is not appended after it. (Across processes such a post may still land after the close: it then
#: does not count, for the trustees and the verifier alike — record.md §2.2.)
_CEREMONY_WRITES = threading.Lock()


def accept_post(board: BulletinBoard, params: CeremonyParams, post: Post) -> bool:
    """Check ``post`` against the board (`check_post`) and append it; ``False`` if the very same post is already
    there (idempotent retry). The server's trustee endpoints call this."""
    with _CEREMONY_WRITES:
        existing = board.find_by_dedup_key(post.dedup_key)
        if existing is not None:
            if canonical_payload(existing.payload) == canonical_payload(post.payload):
                return False
            raise CeremonyError(
                f"the board already holds a different entry in slot {post.dedup_key}", code="slot_taken"
            )
        check_post(board.entries(0, board.size), params, post)
        try:
            board.append(post.kind, post.payload, dedup_key=post.dedup_key)
        except DuplicateEntryError:  # a concurrent retry won the race
            return False
        return True


def check_post(entries: Sequence[Entry], params: CeremonyParams, post: Post) -> None:
    """The coordinator's check of a trustee's post against the board; raises `CeremonyError` (or a crypto error,
    `CeremonyFailedError` for a joint key when fewer than k dealers qualified, or `TrusteeUnauthenticatedError`
    when the post is not signed by the roster's key of the trustee it names)."""
    context = ceremony_context(manifest_payload_hash(entries), params.n, params.k, params.attempt)
    manifest = board_manifest(entries)
    check_ceremony_size(manifest, params.n, params.k)
    if post.kind is EntryKind.STEP_CLOSED:
        raise CeremonyError("only the coordinator closes a ceremony step (close_step)", code="forbidden")
    authenticate_post(manifest, post, allow_unauthenticated=params.allow_unauthenticated)
    if post.payload.get("context") != context.hex() or post.payload.get("attempt") != params.attempt:
        raise CeremonyError("the post belongs to another election or ceremony attempt", code="wrong_ceremony")
    view = read_ceremony(entries, context, params.n, params.k)
    probe = read_ceremony([Entry.create(0, post.kind, post.payload)], context, params.n, params.k)
    if probe.malformed or not probe.payloads:
        raise CeremonyError(f"malformed {post.kind.value} post: {'; '.join(probe.malformed) or 'not readable'}")
    [slot] = probe.payloads
    if slot != post.dedup_key:
        raise CeremonyError(f"the post's slot should be {slot}, not {post.dedup_key}", code="wrong_slot")
    step = STEP_OF_KIND.get(post.kind)
    if step is not None and step in view.closed:
        raise CeremonyError(f"the {step.value} step is closed: the post came too late", code="too_late")
    if post.kind is EntryKind.TRUSTEE_COMMITMENT:
        [commitment] = probe.commitments.values()
        dkg_step1_check(context, commitment)
        _refuse_copied_keys(view, commitment.coefficient_commitments[0], commitment.share_public_key)
        return
    _require_settled(view, CeremonyStep.COMMITMENTS)
    excluded = judge_commitments(view)
    require_enough(view, excluded)
    participants = [c.index for c in participant_commitments(view)]
    if post.kind is EntryKind.TRUSTEE_SHARE:
        [(sender, shares)] = probe.shares.items()
        _require_participant(sender, participants)
        if sorted(s.recipient for s in shares) != [j for j in participants if j != sender]:
            raise CeremonyError(f"trustee {sender} must send exactly one share to each other participant")
        return
    _require_settled(view, CeremonyStep.SHARES)
    if post.kind is EntryKind.COMPLAINT:
        [(complainer, complaints)] = probe.complaints.items()
        _require_participant(complainer, participants)
        for complaint in complaints:
            if not any(s.recipient == complainer for s in view.shares.get(complaint.accused, ())):
                raise CeremonyError(
                    f"trustee {complainer} complains about a share trustee {complaint.accused} never sent it"
                )
        return
    _require_settled(view, CeremonyStep.CHECKS)
    if probe.joint_key != expected_joint_key(view):
        raise CeremonyError("the posted joint key is not the one the commitments give", code="wrong_joint_key")


def close_step(board: BulletinBoard, params: CeremonyParams, step: CeremonyStep) -> Entry:
    """End ``step`` of the ceremony for the trustees that have not posted in it: append a ``step_closed`` entry
    naming them (record.md §2.2) and return it. The commission calls this when its announced deadline has passed.

    Refused (`CeremonyError`) while the previous step still waits (``too_early``) and when nobody is missing
    (``nothing_to_close``); closing a closed step again returns the entry already there."""
    with _CEREMONY_WRITES:
        return _close_step(board, params, step)


def _close_step(board: BulletinBoard, params: CeremonyParams, step: CeremonyStep) -> Entry:
    entries = board.entries(0, board.size)
    context = ceremony_context(manifest_payload_hash(entries), params.n, params.k, params.attempt)
    check_ceremony_size(board_manifest(entries), params.n, params.k)
    view = read_ceremony(entries, context, params.n, params.k)
    existing = board.find_by_dedup_key(closed_key(context, step))
    if existing is not None:
        return existing
    before = previous_step(step)
    if before is not None:
        _require_settled(view, before)
    missing = waiting_for(view, step)
    if not missing:
        raise CeremonyError(
            f"every trustee expected in the {step.value} step has posted: nothing to close", code="nothing_to_close"
        )
    post = step_closed_post(context, StepClosed(step, missing), attempt=params.attempt)
    return board.entry(board.append(post.kind, post.payload, dedup_key=post.dedup_key).index)


def _refuse_copied_keys(view: CeremonyView, coefficient: Point, share_key: Point) -> None:
    for other in view.commitments.values():
        if other.coefficient_commitments[0] == coefficient or other.share_public_key == share_key:
            raise CeremonyError(f"the commitment repeats trustee {other.index}'s C_0 or Y", code="duplicate_commitment")


def _require_participant(index: int, participants: Sequence[int]) -> None:
    if index not in participants:
        raise CeremonyError(
            f"trustee {index} takes no part in this ceremony (no valid commitment before the step closed)",
            code="excluded",
        )


def _require_settled(view: CeremonyView, step: CeremonyStep) -> None:
    missing = waiting_for(view, step)
    if missing:
        raise CeremonyError(
            f"too early: the {step.value} step waits for trustees {list(missing)} (or for the coordinator to close it)",
            code="too_early",
        )

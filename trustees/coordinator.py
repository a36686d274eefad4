"""The coordinator's side of the key ceremony: the parameters it fixed, and its check of every trustee post
before the post reaches the board.

`check_post` judges one post against the board (context, roster signature, slot, and the ceremony's own rules
through `trustees.ceremony_checks`); `accept_post` checks and appends it (the server's trustee endpoints call it).
`BoardTransport` is the in-process `trustees.ceremony_steps.CeremonyTransport`: it reads the `BulletinBoard`
directly and appends posts after the same checks (decryption shares after `trustees.decryption`'s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bulletin_board.entries import Entry, EntryKind, canonical_payload
from bulletin_board.errors import DuplicateEntryError
from bulletin_board.log import BulletinBoard
from crypto.threshold import dkg_step1_check
from record.ceremony import CeremonyView, Post, ceremony_context, manifest_payload_hash, read_ceremony
from trustees.ceremony_checks import check_commitments, expected_joint_key, find_cheaters, missing_trustees
from trustees.decryption import accept_decryption_post
from trustees.errors import CeremonyError, CeremonyFailedError
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


def accept_post(board: BulletinBoard, params: CeremonyParams, post: Post) -> bool:
    """Check ``post`` against the board (`check_post`) and append it; ``False`` if the very same post is already
    there (idempotent retry). The server's trustee endpoints call this."""
    existing = board.find_by_dedup_key(post.dedup_key)
    if existing is not None:
        if canonical_payload(existing.payload) == canonical_payload(post.payload):
            return False
        raise CeremonyError(f"the board already holds a different entry in slot {post.dedup_key}", code="slot_taken")
    check_post(board.entries(0, board.size), params, post)
    try:
        board.append(post.kind, post.payload, dedup_key=post.dedup_key)
    except DuplicateEntryError:  # a concurrent retry won the race
        return False
    return True


def check_post(entries: Sequence[Entry], params: CeremonyParams, post: Post) -> None:
    """The coordinator's check of a trustee's post against the board; raises `CeremonyError` (or a crypto error,
    or `TrusteeUnauthenticatedError` when the post is not signed by the roster's key of the trustee it names)."""
    context = ceremony_context(manifest_payload_hash(entries), params.n, params.k, params.attempt)
    manifest = board_manifest(entries)
    check_ceremony_size(manifest, params.n, params.k)
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
    if post.kind is EntryKind.TRUSTEE_COMMITMENT:
        [commitment] = probe.commitments.values()
        dkg_step1_check(context, commitment)
        return
    _require_complete(view, view.commitments, "step-1 commitments")
    check_commitments(view)
    if post.kind is EntryKind.TRUSTEE_SHARE:
        [(sender, shares)] = probe.shares.items()
        if sorted(s.recipient for s in shares) != [j for j in range(1, params.n + 1) if j != sender]:
            raise CeremonyError(f"trustee {sender} must send exactly one share to each other trustee")
        return
    _require_complete(view, view.shares, "step-2 shares")
    if post.kind is EntryKind.COMPLAINT:
        [(complainer, complaints)] = probe.complaints.items()
        if any(not 1 <= c.accused <= params.n for c in complaints):
            raise CeremonyError(f"trustee {complainer} complains about a trustee outside 1..{params.n}")
        return
    _require_complete(view, view.complaints, "step-3 checks")
    cheaters = find_cheaters(view)
    if cheaters:
        raise CeremonyFailedError(f"no joint key: trustees {sorted(cheaters)} cheated", list(cheaters))
    if probe.joint_key != expected_joint_key(view):
        raise CeremonyError("the posted joint key is not the one the commitments give", code="wrong_joint_key")


def _require_complete(view: CeremonyView, present: dict[int, Any], what: str) -> None:
    missing = missing_trustees(view, present)
    if missing:
        raise CeremonyError(
            f"too early: {what} from trustees {list(missing)} are not on the board yet", code="too_early"
        )

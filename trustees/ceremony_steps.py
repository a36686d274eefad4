"""The key ceremony as board entries: a dealer-free Pedersen DKG (`crypto.threshold`) driven from the board.

A trustee's next step is decided by two things only: the secrets in its keystore and what the board already
holds (docs/trustees.md, "Key ceremony"). `trustee_step` is that decision, pure apart from fresh randomness:

1. no step-1 state yet → `dkg_step1`; post ``trustee_commitment``;
2. every trustee committed, or the coordinator closed the step → the participants P are those with a valid
   commitment (`trustees.ceremony_checks`); `dkg_step2`; post ``trustee_share`` (one share to each other
   participant);
3. every participant dealt, or the step was closed → `dkg_step3` on the shares of the dealers that dealt
   properly; post one ``complaint`` entry (the complaints, possibly none);
4. every participant checked, or the step was closed → judge the ceremony: the qualified dealers Q are the
   participants no upheld complaint or missing dealing disqualified. With |Q| < k the ceremony fails naming
   every disqualified trustee (`CeremonyFailedError`); otherwise `dkg_finish` over Q and the ``joint_key``
   entry. A trustee disqualified as a dealer still finishes: its share of K comes from the qualified dealers.

A trustee whose step was closed before its post reached the board does not send it: after the commitments step it
takes no part (``excluded``); after a later step it goes on without that post.

Every post is first sealed in the keystore's *outbox*, then sent; a post whose slot (dedup key) already holds
the same payload on the board is not sent again. So a trustee who crashes anywhere resumes by running the same
command: nothing is posted twice and no step is redone with new randomness.

`CeremonyTransport` is how a trustee reaches the board: `trustees.coordinator.BoardTransport` (in-process), the
HTTP client in `trustees.online`, and the request/response files of `trustees.airgap`. The coordinator's check
of every post before it reaches the board is `trustees.coordinator.check_post`; what the trustee keeps is
`trustees.keystore_contents`; the whole ceremony in one process is `trustees.in_process`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bulletin_board.entries import Entry, canonical_payload
from crypto.threshold import (
    TrusteeCommitment,
    TrusteeSecretState,
    check_parameters,
    dkg_finish,
    dkg_step1,
    dkg_step2,
    dkg_step3,
)
from record.ceremony import (
    STEP_OF_KIND,
    CeremonyStep,
    CeremonyView,
    JointKey,
    Post,
    ceremony_context,
    checked_key,
    checked_post,
    commitment_key,
    commitment_post,
    joint_key_post,
    manifest_payload_hash,
    read_ceremony,
    shares_key,
    shares_post,
)
from trustees.ceremony_checks import (
    check_closes,
    expected_joint_key,
    judge_commitments,
    judge_dealing,
    participant_commitments,
    require_enough,
    shares_to,
    waiting_for,
)
from trustees.coordinator import CeremonyParams
from trustees.errors import CeremonyError
from trustees.identity import board_manifest, check_roster, new_identity_key, sign_post
from trustees.keystore_contents import SecretsStore, TrusteeSecrets


class CeremonyTransport(Protocol):
    """A trustee's link to the board: read the entries, send posts. Implementations:
    `trustees.coordinator.BoardTransport` (in-process), `trustees.online.HttpTransport`,
    `trustees.airgap.RequestTransport`."""

    def read_entries(self) -> list[Entry]: ...

    def post(self, posts: Sequence[Post]) -> None: ...


class CeremonyStage(StrEnum):
    """Where the ceremony stands for a trustee: the stage it is waiting in, or done."""

    COMMITMENTS = "commitments"
    SHARES = "shares"
    CHECKS = "checks"
    JOINT_KEY = "joint_key"
    DONE = "done"


@dataclass(frozen=True)
class CeremonyStatus:
    """The result of a trustee's step: the stage, whom it waits for, and the joint key once known."""

    stage: CeremonyStage
    waiting_for: tuple[int, ...] = ()
    joint_key: JointKey | None = None

    @property
    def done(self) -> bool:
        return self.stage is CeremonyStage.DONE

    def describe(self) -> str:
        if self.done:
            assert self.joint_key is not None
            return f"done: joint key {self.joint_key.joint_public_key.hex()}"
        waiting = ", ".join(str(j) for j in self.waiting_for) or "the coordinator"
        return f"{self.stage.value}: waiting for trustee(s) {waiting}"


def _queue(secrets_: TrusteeSecrets, view: CeremonyView, key: str, posts: list[Post]) -> None:
    """Send the outbox post ``key`` unless the board already has it or its step was closed without it; refuse if
    someone else holds the slot."""
    post = secrets_.outbox[key]
    on_board = view.payloads.get(key)
    if on_board is None:
        if STEP_OF_KIND[post.kind] not in view.closed:
            posts.append(post)
    elif canonical_payload(on_board) != canonical_payload(post.payload):
        raise CeremonyError(
            f"the board holds a different entry in this trustee's slot {key}: another keystore posted for trustee "
            f"{secrets_.index}, or this keystore is an old copy",
            code="slot_taken",
        )


def trustee_step(
    secrets_: TrusteeSecrets,
    entries: Sequence[Entry],
    *,
    step1: Callable[..., tuple[TrusteeSecretState, TrusteeCommitment]] = dkg_step1,
) -> tuple[list[Post], CeremonyStatus]:
    """Advance trustee ``secrets_.index`` as far as the board allows. Mutates ``secrets_`` (seal it before sending
    the posts!) and returns the posts to send and the resulting status. ``step1`` is replaceable for tests."""
    s = secrets_
    context = ceremony_context(manifest_payload_hash(entries), s.n, s.k, s.attempt)
    manifest = board_manifest(entries)
    check_roster(manifest, s.index, s.n, s.k, s.identity_key)
    if s.context is None:
        s.context = context
    elif s.context != context:
        raise CeremonyError("this keystore belongs to another election or ceremony attempt", code="wrong_ceremony")
    view = read_ceremony(entries, context, s.n, s.k)
    check_closes(view)
    posts: list[Post] = []

    key = commitment_key(context, s.index)
    if s.dkg_state is None:
        if key in view.payloads:
            raise CeremonyError(
                f"the board already holds trustee {s.index}'s commitment but this keystore has no step-1 state: "
                "restore the keystore from its backup",
                code="slot_taken",
            )
        if CeremonyStep.COMMITMENTS in view.closed:
            raise _excluded(s.index, "the commitments step was closed before it committed")
        s.dkg_state, commitment = step1(context, s.index, s.n, s.k)
        s.outbox[key] = sign_post(s.identity_key, manifest, commitment_post(context, commitment, attempt=s.attempt))
    _queue(s, view, key, posts)
    waiting = waiting_for(view, CeremonyStep.COMMITMENTS)
    if waiting or posts:
        return posts, CeremonyStatus(CeremonyStage.COMMITMENTS, waiting)
    excluded = judge_commitments(view)
    if s.index in excluded:
        raise _excluded(s.index, excluded[s.index].value)
    require_enough(view, excluded)
    participants = participant_commitments(view)

    key = shares_key(context, s.index)
    if key not in s.outbox and CeremonyStep.SHARES not in view.closed:
        shares = dkg_step2(context, s.dkg_state, participants)
        s.outbox[key] = sign_post(s.identity_key, manifest, shares_post(context, s.index, shares, attempt=s.attempt))
    if key in s.outbox:
        _queue(s, view, key, posts)
    waiting = waiting_for(view, CeremonyStep.SHARES)
    if waiting or posts:
        return posts, CeremonyStatus(CeremonyStage.SHARES, waiting)
    require_enough(view, {**excluded, **judge_dealing(view)})

    key = checked_key(context, s.index)
    if key not in s.outbox and CeremonyStep.CHECKS not in view.closed:
        received = dkg_step3(context, s.dkg_state, participants, shares_to(view, s.index))
        s.outbox[key] = sign_post(
            s.identity_key, manifest, checked_post(context, s.index, received.complaints, attempt=s.attempt)
        )
    if key in s.outbox:
        _queue(s, view, key, posts)
    waiting = waiting_for(view, CeremonyStep.CHECKS)
    if waiting or posts:
        return posts, CeremonyStatus(CeremonyStage.CHECKS, waiting)

    expected = expected_joint_key(view)  # CeremonyFailedError, naming the disqualified, when |Q| < k
    if s.key_share is None:
        received = dkg_step3(context, s.dkg_state, participants, shares_to(view, s.index))
        qualified = [view.commitments[j] for j in expected.qualified]
        s.key_share = dkg_finish(context, s.dkg_state, qualified, received)
    if s.key_share.joint_public_key != expected.joint_public_key:  # pragma: no cover - dkg_finish checks this
        raise CeremonyError("this trustee's key share does not belong to the board's joint key")
    if view.joint_key is None:
        return [joint_key_post(context, expected, attempt=s.attempt)], CeremonyStatus(CeremonyStage.JOINT_KEY)
    if view.joint_key != expected:
        raise CeremonyError("the joint key on the board is not the one the commitments give", code="wrong_joint_key")
    return [], CeremonyStatus(CeremonyStage.DONE, joint_key=expected)


def _excluded(index: int, why: str) -> CeremonyError:
    return CeremonyError(
        f"trustee {index} takes no part in this ceremony attempt ({why}): it holds no share of this joint key",
        code="excluded",
    )


def run_trustee(store: SecretsStore, transport: CeremonyTransport, *, max_rounds: int = 8) -> CeremonyStatus:
    """Run trustee steps against ``transport`` until it has to wait for others (or is done).

    Each round: read the board, decide (`trustee_step`), seal the secrets, then send. Sealing first means a crash
    between the two leaves the posts in the outbox, sent on the next run.
    """
    status = CeremonyStatus(CeremonyStage.COMMITMENTS)
    for _ in range(max_rounds):
        secrets_ = TrusteeSecrets.from_dict(store.secrets)
        before = secrets_.to_dict()
        posts, status = trustee_step(secrets_, transport.read_entries())
        if secrets_.to_dict() != before:
            store.save(secrets_.to_dict())
        if not posts:
            return status
        transport.post(posts)
    return status


def new_trustee_secrets(index: int, params: CeremonyParams) -> TrusteeSecrets:
    """Fresh secrets for trustee ``index`` (nothing generated yet: step 1 runs against the board's manifest)."""
    check_parameters(params.n, params.k)
    if not 1 <= index <= params.n:
        raise CeremonyError(f"the trustee index must be in 1..{params.n}")
    return TrusteeSecrets(index=index, n=params.n, k=params.k, attempt=params.attempt, identity_key=new_identity_key())

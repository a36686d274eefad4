"""Judging a key ceremony from the board's public data, as the coordinator and every trustee do.

The checks read a `record.ceremony.CeremonyView` (the ceremony's entries parsed) and apply the rules of
docs/spec/record.md §2.2, step by step:

1. ``commitments`` — once every trustee committed or the step was closed: a trustee with no commitment, an
   invalid one or one sharing C_0 or Y with another is disqualified and takes no part (`judge_commitments`); the
   others are the **participants** P (`participant_commitments`);
2. ``shares`` — once every participant dealt or the step was closed: a participant with no shares, or not one
   share to each other participant, is disqualified as a dealer (`judge_dealing`);
3. ``checks`` — once every participant posted its checks or the step was closed: every complaint is judged
   (`judge_complaints`); one that names the dealer guilty disqualifies it, one that names the complainer
   (a false complaint) disqualifies nobody.

The qualified dealers Q are the participants nobody disqualified (`judge_ceremony`); the ceremony succeeds when
|Q| ≥ k, and `expected_joint_key` is K and X_1..X_n over Q. `require_enough` stops the ceremony as soon as fewer
than k dealers can still qualify. The coordinator runs these on every post (`trustees.coordinator.check_post`);
a trustee runs them before its next step (`trustees.ceremony_steps.trustee_step`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crypto.errors import CryptoError
from crypto.share_encryption import EncryptedShare
from crypto.threshold import (
    ComplaintVerdict,
    TrusteeCommitment,
    check_complaint,
    dkg_step1_check,
    joint_public_key,
    public_shares,
)
from record.ceremony import CeremonyStep, CeremonyView, Disqualification, JointKey
from trustees.errors import CeremonyError, CeremonyFailedError

#: The verdict of a complaint about a dealer that sent the complainer nothing (the coordinator refuses it).
COMPLAINT_ABOUT_NO_SHARE = "complaint_about_no_share"
_PREVIOUS: dict[CeremonyStep, CeremonyStep] = {
    CeremonyStep.SHARES: CeremonyStep.COMMITMENTS,
    CeremonyStep.CHECKS: CeremonyStep.SHARES,
}


def previous_step(step: CeremonyStep) -> CeremonyStep | None:
    """The step that must be complete or closed before ``step`` can be closed."""
    return _PREVIOUS.get(step)


def _posted(view: CeremonyView, step: CeremonyStep) -> Mapping[int, Any]:
    if step is CeremonyStep.COMMITMENTS:
        return view.commitments
    return view.shares if step is CeremonyStep.SHARES else view.complaints


def expected_in(view: CeremonyView, step: CeremonyStep) -> tuple[int, ...]:
    """The trustees ``step`` waits for: everyone for the commitments, the participants for shares and checks."""
    if step is CeremonyStep.COMMITMENTS:
        return tuple(range(1, view.n + 1))
    return tuple(c.index for c in participant_commitments(view))


def absent_from(view: CeremonyView, step: CeremonyStep) -> tuple[int, ...]:
    """The trustees expected in ``step`` with no entry of it that counts (whether or not the step was closed)."""
    posted = _posted(view, step)
    return tuple(j for j in expected_in(view, step) if j not in posted)


def waiting_for(view: CeremonyView, step: CeremonyStep) -> tuple[int, ...]:
    """Whom ``step`` still waits for: nobody once it is complete or closed."""
    return () if step in view.closed else absent_from(view, step)


def check_closes(view: CeremonyView) -> None:
    """Each ``step_closed`` entry names exactly the trustees missing from its step; `CeremonyError`
    (``wrong_close``) otherwise — the coordinator's word on the board would contradict the board."""
    for step, missing in sorted(view.closed.items()):
        before = previous_step(step)
        if before is not None and waiting_for(view, before):
            raise CeremonyError(f"the {step.value} step was closed before the {before.value} step", code="wrong_close")
        if missing != absent_from(view, step):
            raise CeremonyError(
                f"the {step.value} step was closed naming trustees {list(missing)} missing, but the board lacks "
                f"{list(absent_from(view, step))}",
                code="wrong_close",
            )


# --- step 1: commitments -----------------------------------------------------------------------------------------


def judge_commitments(view: CeremonyView) -> dict[int, Disqualification]:
    """The trustees that take no part: {j: ``no_commitment`` | ``invalid_commitment`` | ``duplicate_commitment``}.
    Read once the commitments step is complete or closed."""
    out: dict[int, Disqualification] = {}
    valid: list[TrusteeCommitment] = []
    for j in range(1, view.n + 1):
        commitment = view.commitments.get(j)
        if commitment is None:
            out[j] = Disqualification.NO_COMMITMENT
            continue
        if not _proofs_hold(view.context, commitment):
            out[j] = Disqualification.INVALID_COMMITMENT
            continue
        valid.append(commitment)
    for commitment in valid:
        for other in valid:
            if other.index != commitment.index and (
                commitment.coefficient_commitments[0] == other.coefficient_commitments[0]
                or commitment.share_public_key == other.share_public_key
            ):
                out[commitment.index] = Disqualification.DUPLICATE_COMMITMENT
    return dict(sorted(out.items()))


@functools.lru_cache(maxsize=1024)
def _proofs_hold(context: bytes, commitment: TrusteeCommitment) -> bool:
    """Both Schnorr proofs of ``commitment`` verify under ``context`` (cached: every step judges step 1 again)."""
    try:
        dkg_step1_check(context, commitment)
    except CryptoError:
        return False
    return True


def participant_commitments(view: CeremonyView) -> list[TrusteeCommitment]:
    """The commitments of the participants P (valid, not copied), in trustee order."""
    excluded = judge_commitments(view)
    return [view.commitments[j] for j in sorted(view.commitments) if j not in excluded]


# --- step 2: dealing ---------------------------------------------------------------------------------------------


def judge_dealing(view: CeremonyView) -> dict[int, Disqualification]:
    """The participants disqualified as dealers at step 2: {j: ``no_shares`` | ``invalid_shares``}. Read once the
    shares step is complete or closed."""
    participants = [c.index for c in participant_commitments(view)]
    out: dict[int, Disqualification] = {}
    for j in participants:
        shares = view.shares.get(j)
        if shares is None:
            out[j] = Disqualification.NO_SHARES
        elif sorted(s.recipient for s in shares) != [i for i in participants if i != j]:
            out[j] = Disqualification.INVALID_SHARES
    return out


def shares_to(view: CeremonyView, recipient: int) -> list[EncryptedShare]:
    """The encrypted shares ``recipient`` checks at step 3: one from each participant that dealt properly."""
    dealers = {c.index for c in participant_commitments(view)} - set(judge_dealing(view))
    return [s for s in view.shares_for(recipient) if s.sender in dealers]


# --- step 3: complaints ------------------------------------------------------------------------------------------


def judge_complaints(view: CeremonyView) -> tuple[dict[int, Disqualification], tuple[ComplaintVerdict, ...]]:
    """Judge every participant's complaints from public data: the dealers an upheld complaint disqualifies
    ({j: reason}, the lowest complainer's verdict first) and every verdict. A verdict that names the complainer
    (false or malformed complaint) disqualifies nobody."""
    participants = {c.index: c for c in participant_commitments(view)}
    upheld: dict[int, Disqualification] = {}
    verdicts: list[ComplaintVerdict] = []
    for complainer, complaints in sorted(view.complaints.items()):
        if complainer not in participants:
            continue
        for complaint in complaints:
            encrypted = [s for s in view.shares.get(complaint.accused, ()) if s.recipient == complainer]
            if not encrypted or complaint.accused not in participants:
                verdicts.append(ComplaintVerdict(complainer, complaint.accused, complainer, COMPLAINT_ABOUT_NO_SHARE))
                continue
            verdict = check_complaint(
                view.context, complaint, encrypted[0], participants[complaint.accused], participants[complainer]
            )
            verdicts.append(verdict)
            if verdict.guilty == complaint.accused:
                upheld.setdefault(complaint.accused, Disqualification(verdict.reason))
    return upheld, tuple(verdicts)


# --- the outcome -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CeremonyJudgement:
    """The ceremony judged after its three steps: the qualified dealers Q, every other trustee with its reason,
    and every complaint's verdict."""

    qualified: tuple[TrusteeCommitment, ...]
    disqualified: Mapping[int, Disqualification]
    verdicts: tuple[ComplaintVerdict, ...]


def require_enough(view: CeremonyView, disqualified: Mapping[int, Disqualification]) -> None:
    """`CeremonyFailedError` naming every disqualified trustee when fewer than k dealers can still qualify."""
    remaining = [j for j in range(1, view.n + 1) if j not in disqualified]
    if len(remaining) >= view.k:
        return
    named = ", ".join(f"trustee {j} ({reason.value})" for j, reason in sorted(disqualified.items()))
    raise CeremonyFailedError(
        f"the key ceremony failed: {len(remaining)} qualified dealers {remaining} are fewer than k = {view.k}; "
        f"disqualified: {named}. The commission restarts the ceremony with the next attempt number",
        {j: reason.value for j, reason in disqualified.items()},
    )


def judge_ceremony(view: CeremonyView) -> CeremonyJudgement:
    """Q and the disqualified trustees once every step is complete or closed; `CeremonyFailedError` if |Q| < k."""
    disqualified: dict[int, Disqualification] = dict(judge_commitments(view))
    require_enough(view, disqualified)
    disqualified.update(judge_dealing(view))
    require_enough(view, disqualified)
    upheld, verdicts = judge_complaints(view)
    for dealer, reason in upheld.items():
        disqualified.setdefault(dealer, reason)
    require_enough(view, disqualified)
    qualified = tuple(view.commitments[j] for j in range(1, view.n + 1) if j not in disqualified)
    return CeremonyJudgement(qualified, dict(sorted(disqualified.items())), verdicts)


def expected_joint_key(view: CeremonyView) -> JointKey:
    """K and X_1..X_n from the commitments of the qualified dealers, with Q and the disqualified trustees."""
    judgement = judge_ceremony(view)
    qualified = list(judgement.qualified)
    return JointKey(
        view.n,
        view.k,
        tuple(c.index for c in qualified),
        joint_public_key(qualified),
        public_shares(view.n, qualified),
        judgement.disqualified,
    )

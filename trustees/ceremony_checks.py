"""Judging a key ceremony from the board's public data, as the coordinator and every trustee do.

The checks read a `record.ceremony.CeremonyView` (the ceremony's entries parsed): every step-1 commitment and
its proofs (`check_commitments`), every complaint judged (`find_cheaters`), and the joint key the commitments
give (`expected_joint_key`). The coordinator runs them on every post (`trustees.coordinator.check_post`); a
trustee runs them before its next step (`trustees.ceremony_steps.trustee_step`).
"""

from __future__ import annotations

from typing import Any

from crypto.errors import CryptoError
from crypto.threshold import (
    TrusteeCommitment,
    check_complaint,
    dkg_check_commitments,
    dkg_step1_check,
    joint_public_key,
    public_shares,
)
from record.ceremony import CeremonyView, JointKey
from trustees.errors import CeremonyFailedError


def ordered_commitments(view: CeremonyView) -> list[TrusteeCommitment]:
    """The step-1 commitments on the board, in trustee order."""
    return [view.commitments[j] for j in sorted(view.commitments)]


def missing_trustees(view: CeremonyView, present: dict[int, Any]) -> tuple[int, ...]:
    """The trustees 1..n with no entry in ``present`` (whom the ceremony waits for)."""
    return tuple(j for j in range(1, view.n + 1) if j not in present)


def check_commitments(view: CeremonyView) -> None:
    """All n commitments valid; otherwise `CeremonyFailedError` naming the trustees whose proofs fail."""
    try:
        dkg_check_commitments(view.context, ordered_commitments(view), view.n, view.k)
    except CryptoError as e:
        cheaters = []
        for commitment in ordered_commitments(view):
            try:
                dkg_step1_check(view.context, commitment)
            except CryptoError:
                cheaters.append(commitment.index)
        raise CeremonyFailedError(f"step-1 commitments do not check: {e.message}", cheaters or []) from e


def find_cheaters(view: CeremonyView) -> dict[int, str]:
    """Judge every complaint on the board from public data: {guilty trustee: reason}. Needs all entries."""
    guilty: dict[int, str] = {}
    for complainer, complaints in sorted(view.complaints.items()):
        for complaint in complaints:
            encrypted = [s for s in view.shares.get(complaint.accused, ()) if s.recipient == complainer]
            if not encrypted:
                guilty.setdefault(complainer, "complaint_about_no_share")
                continue
            verdict = check_complaint(
                view.context,
                complaint,
                encrypted[0],
                view.commitments[complaint.accused],
                view.commitments[complainer],
            )
            guilty.setdefault(verdict.guilty, verdict.reason)
    return guilty


def expected_joint_key(view: CeremonyView) -> JointKey:
    """K and X_1..X_n from the commitments of the qualified dealers (everyone, once no complaint stands)."""
    qualified = ordered_commitments(view)
    return JointKey(
        view.n,
        view.k,
        tuple(c.index for c in qualified),
        joint_public_key(qualified),
        public_shares(view.n, qualified),
    )

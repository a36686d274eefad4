"""The key ceremony's record: the joint key's qualified and disqualified trustees, and the coordinator's
``step_closed`` entry, read strictly; entries of a step after its close do not count."""

from __future__ import annotations

from typing import Any

import pytest

from bulletin_board.entries import Entry, EntryKind
from crypto.errors import ShailooError
from crypto.group import Point, Scalar
from crypto.threshold import dkg_step1
from record.ceremony import (
    CeremonyStep,
    Disqualification,
    JointKey,
    StepClosed,
    commitment_post,
    read_ceremony,
    step_closed_post,
)
from record.errors import CeremonyError

CONTEXT = bytes.fromhex("5a" * 32)


def _joint_key(**changes: Any) -> JointKey:
    fields: dict[str, Any] = {
        "n": 5,
        "k": 3,
        "qualified": (1, 3, 4, 5),
        "joint_public_key": Point.base_mul(Scalar(7)),
        "public_shares": tuple(Point.base_mul(Scalar(i)) for i in range(1, 6)),
        "disqualified": {2: Disqualification.SHARE_INCONSISTENT_WITH_COMMITMENTS},
    }
    return JointKey(**{**fields, **changes})


def _payload(**changes: Any) -> dict[str, Any]:
    return {**_joint_key().to_payload(CONTEXT, attempt=1), **changes}


def test_joint_key_names_each_disqualified_trustee_with_its_reason_and_reads_back() -> None:
    payload = _payload()
    assert payload["qualified"] == [1, 3, 4, 5]
    assert payload["disqualified"] == {"2": "share_inconsistent_with_commitments"}
    assert JointKey.from_payload(payload) == _joint_key()


@pytest.mark.parametrize(
    ("disqualified", "path"),
    [
        ({"02": "no_shares"}, "$.disqualified.02"),
        ({"+2": "no_shares"}, "$.disqualified.+2"),
        ({"6": "no_shares"}, "$.disqualified.6"),
        ({"2": "lazy"}, "$.disqualified.2"),
        ({"2": 3}, "$.disqualified.2"),
        ([2], "$.disqualified"),
    ],
)
def test_a_disqualified_entry_that_is_not_a_trustee_and_a_known_reason_is_refused_naming_it(
    disqualified: Any, path: str
) -> None:
    with pytest.raises(ShailooError) as refused:
        JointKey.from_payload(_payload(disqualified=disqualified))
    assert refused.value.message.startswith(f"{path}: "), refused.value.message


@pytest.mark.parametrize(
    ("qualified", "disqualified"),
    [
        ([1, 2, 3, 4, 5], {"2": "no_shares"}),  # the cheater listed twice
        ([1, 3, 4, 5], {}),  # trustee 2 left unaccounted for
        ([1, 3, 4], {"2": "no_shares"}),  # trustee 5 left unaccounted for
        ([3, 1, 4, 5], {"2": "no_shares"}),  # not in increasing order
        ([1, 2], {"3": "no_shares", "4": "no_shares", "5": "no_commitment"}),  # fewer than k
    ],
)
def test_a_joint_key_must_account_for_every_trustee_once_with_at_least_k_qualified(
    qualified: list[int], disqualified: dict[str, str]
) -> None:
    with pytest.raises(ShailooError):
        JointKey.from_payload(_payload(qualified=qualified, disqualified=disqualified))


def test_a_joint_key_without_the_disqualified_field_is_refused() -> None:
    payload = _payload()
    del payload["disqualified"]
    with pytest.raises(ShailooError) as refused:
        JointKey.from_payload(payload)
    assert "disqualified" in refused.value.message


def test_step_closed_reads_back_and_refuses_an_empty_or_unordered_missing_list() -> None:
    post = step_closed_post(CONTEXT, StepClosed(CeremonyStep.SHARES, (2, 5)), attempt=1)
    assert post.kind is EntryKind.STEP_CLOSED and post.dedup_key.endswith("/closed/shares")
    assert StepClosed.from_payload(post.payload, 5) == StepClosed(CeremonyStep.SHARES, (2, 5))
    for missing in ([], [5, 2], [2, 2], [6]):
        with pytest.raises(ShailooError):
            StepClosed.from_payload({**post.payload, "missing": missing}, 5)
    with pytest.raises(ShailooError):
        StepClosed.from_payload({**post.payload, "step": "joint_key"}, 5)
    with pytest.raises(CeremonyError):
        StepClosed(CeremonyStep.CHECKS, ())


def test_a_commitment_after_its_step_closed_does_not_count() -> None:
    posts = [
        commitment_post(CONTEXT, dkg_step1(CONTEXT, 1, 3, 2)[1], attempt=1),
        commitment_post(CONTEXT, dkg_step1(CONTEXT, 2, 3, 2)[1], attempt=1),
        step_closed_post(CONTEXT, StepClosed(CeremonyStep.COMMITMENTS, (3,)), attempt=1),
        commitment_post(CONTEXT, dkg_step1(CONTEXT, 3, 3, 2)[1], attempt=1),
    ]
    view = read_ceremony([Entry.create(i, p.kind, p.payload) for i, p in enumerate(posts)], CONTEXT, 3, 2)
    assert sorted(view.commitments) == [1, 2]
    assert view.closed == {CeremonyStep.COMMITMENTS: (3,)}
    assert view.late == ["entry 3 (trustee_commitment) after the commitments step closed"]

"""Plaintext ballot ↔ selection vectors (docs/elections.md, "Ballot encoding").

A voter's marks are, per contest, the ids of the selections marked. The selection vector of a contest has one
entry per `Contest.selections` position, 1 where marked and 0 elsewhere; its sum lies in
``[min_marks, max_marks]``. This is exactly what the crypto layer encrypts and proves (each entry 0 or 1,
the sum within the limits). Both directions validate and raise `BallotError` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from elections.errors import BallotError, UnknownIdError
from elections.manifest import Contest, Manifest

#: contest_id -> selection ids marked in that contest (order irrelevant).
Marks = Mapping[str, Sequence[str]]


def selection_vector(contest: Contest, selection_ids: Sequence[str]) -> list[int]:
    """The 0/1 vector of ``contest`` with ``selection_ids`` marked; checks ids, repeats and limits."""
    if len(set(selection_ids)) != len(selection_ids):
        raise BallotError(f"contest {contest.contest_id!r}: a selection is marked twice")
    vector = [0] * len(contest.selections)
    for selection_id in selection_ids:
        try:
            vector[contest.selection_index(selection_id)] = 1
        except UnknownIdError as e:
            raise BallotError(e.message) from e
    check_selection_vector(contest, vector)
    return vector


def check_selection_vector(contest: Contest, vector: Sequence[int]) -> None:
    """Raise `BallotError` unless ``vector`` has the contest's length, 0/1 entries and a sum within the limits."""
    where = f"contest {contest.contest_id!r}"
    if len(vector) != len(contest.selections):
        raise BallotError(f"{where}: vector has {len(vector)} entries, the contest has {len(contest.selections)}")
    if any(type(v) is not int or v not in (0, 1) for v in vector):
        raise BallotError(f"{where}: every entry must be the integer 0 or 1")
    marked = sum(vector)
    if not contest.min_marks <= marked <= contest.max_marks:
        raise BallotError(f"{where}: {marked} marks, allowed between {contest.min_marks} and {contest.max_marks}")


def encode_ballot(manifest: Manifest, style_id: str, marks: Marks) -> dict[str, list[int]]:
    """Selection vectors for every contest of the ballot style, in the style's contest order.

    A contest of the style absent from ``marks`` has no marks (allowed only when its ``min_marks`` is 0);
    a contest not on the style is refused.
    """
    style = manifest.ballot_style(style_id)
    if stray := set(marks) - set(style.contest_ids):
        raise BallotError(f"ballot style {style_id!r} does not hold contests {sorted(stray)}")
    return {cid: selection_vector(manifest.contest(cid), list(marks.get(cid, ()))) for cid in style.contest_ids}


def decode_selections(
    manifest: Manifest, style_id: str, vectors: Mapping[str, Sequence[int]]
) -> dict[str, tuple[str, ...]]:
    """The marked selection ids per contest; the vectors must cover exactly the style's contests."""
    style = manifest.ballot_style(style_id)
    if set(vectors) != set(style.contest_ids):
        raise BallotError(f"ballot style {style_id!r} needs vectors for exactly {list(style.contest_ids)}")
    decoded: dict[str, tuple[str, ...]] = {}
    for cid in style.contest_ids:
        contest = manifest.contest(cid)
        vector = vectors[cid]
        check_selection_vector(contest, vector)
        decoded[cid] = tuple(s.selection_id for s, v in zip(contest.selections, vector, strict=True) if v == 1)
    return decoded

"""Contests among candidates: president, single-member district (2021), 2025 district, village council.

Each function takes a `ContestInput` and returns the `ContestResult`; docs/rules.md gives every rule's source.
"""

from __future__ import annotations

from dataclasses import dataclass

from elections.manifest import Candidate
from elections.parameters import ShareBase
from elections.results_model import ContestResult, Outcome, Ratio
from elections.rules.common import (
    ContestInput,
    candidate_outcomes,
    candidate_votes,
    ceil_bp,
    has_tie,
    more_than_bp,
    rank_by_votes,
)


def _base(data: ContestInput, which: ShareBase, cancelled: int) -> int:
    return data.turnout.took_part if which == "took_part" else sum(data.votes) - cancelled


@dataclass(frozen=True)
class _Count:
    """Votes per candidate, registered candidates ranked, cancelled votes, and the base of the shares."""

    votes: dict[str, int]
    ranked: list[Candidate]
    cancelled: int
    base: int


def _result(
    data: ContestInput,
    outcome: Outcome,
    count: _Count,
    seats: dict[str, str],
    applied: list[str],
    *,
    runoff: tuple[str, ...] = (),
    quota: Ratio | None = None,
) -> ContestResult:
    votes, ranked, base = count.votes, count.ranked, count.base
    elected = tuple(c.candidate_id for c in ranked if c.candidate_id in seats)
    return ContestResult(
        contest_id=data.contest.contest_id,
        kind=data.contest.kind,
        district_id=data.contest.district_id,
        seats=data.contest.seats,
        outcome=outcome,
        runoff_needed=outcome == "runoff_needed",
        repeat_election=outcome == "repeat_election",
        failed=outcome in ("failed", "repeat_election"),
        not_held=outcome == "not_held",
        registered=data.turnout.registered,
        took_part=data.turnout.took_part,
        invalid=data.turnout.invalid,
        cancelled=count.cancelled,
        base=base,
        against_all=data.against_all(),
        selections=data.tallies(),
        candidates=candidate_outcomes(data.contest, data.manifest, votes, ranked, base, seats),
        elected=elected,
        applied=tuple(applied),
        runoff=runoff,
        quota=quota,
    )


def _against_all_ahead(data: ContestInput, votes: dict[str, int], ranked: list[Candidate]) -> bool:
    against = data.against_all()
    leader = votes[ranked[0].candidate_id] if ranked else 0
    return against is not None and against > leader


def presidential(data: ContestInput) -> ContestResult:
    """Majority of the base in round one, else runoff of the top ``runoff_size``; "against all" ahead → failed."""
    rules = data.manifest.rules.president
    assert rules is not None  # the manifest guarantees a block for every kind it uses
    votes, registered, cancelled = candidate_votes(data)
    base = _base(data, rules.majority_base, cancelled)
    ranked = rank_by_votes(registered, votes)
    common = _Count(votes, ranked, cancelled, base)
    applied = ["cancelled_deregistered_votes"] if cancelled else []
    if not ranked:
        return _result(data, "failed", common, {}, [*applied, "no_registered_candidate"])
    if rules.against_all_ahead_fails and _against_all_ahead(data, votes, ranked):
        return _result(data, "repeat_election", common, {}, [*applied, "against_all_ahead"])
    leader = ranked[0]
    if has_tie(ranked, votes, 0):
        applied.append("tie_earlier_registration")
    if rules.runoff_round:
        return _result(data, "elected", common, {leader.candidate_id: "runoff_most_votes"}, applied)
    if more_than_bp(votes[leader.candidate_id], base, rules.majority_bp):
        return _result(data, "elected", common, {leader.candidate_id: "majority"}, applied)
    if has_tie(ranked, votes, rules.runoff_size - 1):
        applied.append("runoff_tie_earlier_registration")
    runoff = tuple(c.candidate_id for c in ranked[: rules.runoff_size])
    return _result(data, "runoff_needed", common, {}, [*applied, "no_majority_runoff"], runoff=runoff)


def single_member(data: ContestInput) -> ContestResult:
    """Plurality; "against all" ahead → repeat; cancelled votes above the configured share → repeat."""
    rules = data.manifest.rules.single_member
    assert rules is not None
    votes, registered, cancelled = candidate_votes(data)
    base = data.turnout.took_part
    ranked = rank_by_votes(registered, votes)
    common = _Count(votes, ranked, cancelled, base)
    applied = ["cancelled_deregistered_votes"] if cancelled else []
    if cancelled * rules.deregistered_repeat_den > rules.deregistered_repeat_num * base:
        return _result(data, "repeat_election", common, {}, [*applied, "cancelled_share_repeat"])
    if not ranked:
        return _result(data, "repeat_election", common, {}, [*applied, "no_registered_candidate"])
    if rules.against_all_ahead_repeat and _against_all_ahead(data, votes, ranked):
        return _result(data, "repeat_election", common, {}, [*applied, "against_all_ahead"])
    if has_tie(ranked, votes, 0):
        applied.append("tie_earlier_registration")
    return _result(data, "elected", common, {ranked[0].candidate_id: "plurality"}, applied)


def parliament_district(data: ContestInput) -> ContestResult:
    """Top ``seats`` candidates with at most ``max_same_gender`` of one gender (JK 2025)."""
    rules = data.manifest.rules.parliament_district
    assert rules is not None
    votes, registered, cancelled = candidate_votes(data)
    base = data.turnout.took_part
    ranked = rank_by_votes(registered, votes)
    common = _Count(votes, ranked, cancelled, base)
    applied = ["cancelled_deregistered_votes"] if cancelled else []
    if rules.single_gender_not_held and len({c.gender for c in registered}) < 2:
        return _result(data, "not_held", common, {}, [*applied, "single_gender_nominated"])
    if rules.against_all_ahead_repeat and _against_all_ahead(data, votes, ranked):
        return _result(data, "repeat_election", common, {}, [*applied, "against_all_ahead"])
    seats: dict[str, str] = {}
    per_gender = {"female": 0, "male": 0}
    for position, candidate in enumerate(ranked):
        if len(seats) == data.contest.seats:
            break
        if per_gender[candidate.gender] >= rules.max_same_gender:
            if "gender_cap_skip" not in applied:
                applied.append("gender_cap_skip")
            continue
        if has_tie(ranked, votes, position) and "tie_earlier_registration" not in applied:
            applied.append("tie_earlier_registration")
        reason = "top_votes" if position < data.contest.seats else "gender_cap_replacement"
        seats[candidate.candidate_id] = reason
        per_gender[candidate.gender] += 1
    outcome: Outcome = "elected" if len(seats) == data.contest.seats else "failed"
    if outcome == "failed":
        applied.append("seats_unfilled")
    return _result(data, outcome, common, seats, applied)


def reserved_women(data: ContestInput) -> ContestResult:
    """At least ``ceil(seats × women_reserved_bp)`` seats to the women with most votes, the rest by votes."""
    rules = data.manifest.rules.reserved_women
    assert rules is not None
    votes, registered, cancelled = candidate_votes(data)
    base = data.turnout.took_part
    ranked = rank_by_votes(registered, votes)
    applied = ["cancelled_deregistered_votes"] if cancelled else []
    reserved = ceil_bp(rules.women_reserved_bp, data.contest.seats)
    women = [c for c in ranked if c.gender == "female"]
    seats = {c.candidate_id: "reserved_for_women" for c in women[:reserved]}
    if len(women) < reserved:
        applied.append("women_reserved_shortfall")
    for candidate in ranked:
        if len(seats) == data.contest.seats:
            break
        seats.setdefault(candidate.candidate_id, "top_votes")
    if any(has_tie(ranked, votes, i) for i in range(len(ranked))):
        applied.append("tie_earlier_registration")
    outcome: Outcome = "elected" if len(seats) == data.contest.seats else "failed"
    if outcome == "failed":
        applied.append("seats_unfilled")
    count = _Count(votes, ranked, cancelled, base)
    return _result(data, outcome, count, seats, applied, quota=Ratio.of(reserved, data.contest.seats))

"""Referendum questions: turnout floor, "against all" majority, and the share of "yes" needed to pass."""

from __future__ import annotations

from elections.results_model import ContestResult, Outcome
from elections.rules.common import ContestInput, more_than_bp


def referendum_question(data: ContestInput) -> ContestResult:
    """``not_held`` at or below the turnout floor or with an "against all" majority; else passed or rejected."""
    rules = data.manifest.rules.referendum
    assert rules is not None  # the manifest guarantees a block for every kind it uses
    contest, turnout = data.contest, data.turnout
    yes = data.votes[contest.selection_index("yes")]
    against = data.against_all()
    base = turnout.took_part if rules.question_base == "took_part" else sum(data.votes)
    applied: list[str] = []
    outcome: Outcome
    if not more_than_bp(turnout.took_part, turnout.registered, rules.min_turnout_bp):
        outcome, applied = "not_held", ["turnout_below_minimum"]
    elif against is not None and more_than_bp(against, base, rules.against_all_not_held_bp):
        outcome, applied = "not_held", ["against_all_majority"]
    elif more_than_bp(yes, base, rules.question_pass_bp):
        outcome = "passed"
    else:
        outcome, applied = "rejected", ["yes_not_above_pass_share"]
    return ContestResult(
        contest_id=contest.contest_id,
        kind=contest.kind,
        district_id=contest.district_id,
        seats=contest.seats,
        outcome=outcome,
        not_held=outcome == "not_held",
        registered=turnout.registered,
        took_part=turnout.took_part,
        invalid=turnout.invalid,
        cancelled=0,
        base=base,
        against_all=against,
        selections=data.tallies(),
        applied=tuple(applied),
    )

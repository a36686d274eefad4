"""Party lists (JK 2021 list part, city councils): thresholds, Hare quota with largest remainders, seat cap,
and the seats inside each list (women first up to the configured share, then preference votes or list order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from elections.errors import CountsError
from elections.manifest import Candidate, Contest, Manifest, Party
from elections.parameters import PartyListRules
from elections.results_model import CandidateOutcome, ContestResult, Outcome, PartyOutcome, Ratio
from elections.rules.common import ContestInput, at_least_bp, ceil_bp


@dataclass(frozen=True)
class HareRound:
    """One run of Hare quota with largest remainders: seats per party and the arithmetic behind them.

    quota = total / seats; quota_seats[p] = floor(votes[p] / quota); remainder[p] = the fractional part of
    votes[p] / quota as ``(votes[p] × seats − quota_seats[p] × total) / total``.
    """

    seats: int
    total: int
    allocation: dict[str, int]
    quota_seats: dict[str, int]
    remainder_num: dict[str, int]
    remainder_seat: set[str]
    tie_at_boundary: bool


def hare_largest_remainder(votes: dict[str, int], seats: int, ballot_order: dict[str, int]) -> HareRound:
    """Allocate ``seats`` among ``votes`` (all qualified lists); equal remainders → more votes, then ballot order.

    With no votes at all nothing is allocated (the caller reports the seats as unallocated).
    """
    total = sum(votes.values())
    if total == 0 or seats == 0:
        zero = dict.fromkeys(votes, 0)
        return HareRound(seats, total, dict(zero), dict(zero), dict(zero), set(), False)
    quota_seats = {p: v * seats // total for p, v in votes.items()}
    remainder = {p: v * seats - quota_seats[p] * total for p, v in votes.items()}
    leftover = seats - sum(quota_seats.values())
    order = sorted(votes, key=lambda p: (-remainder[p], -votes[p], ballot_order[p]))
    winners = set(order[:leftover])
    tie = 0 < leftover < len(order) and remainder[order[leftover - 1]] == remainder[order[leftover]]
    allocation = {p: quota_seats[p] + (1 if p in winners else 0) for p in votes}
    return HareRound(seats, total, allocation, quota_seats, remainder, winners, tie)


@dataclass(frozen=True)
class Apportionment:
    """Seats per list after the cap, the Hare round each list was last in, and what was applied."""

    seats: dict[str, int]
    rounds: dict[str, HareRound]
    capped: set[str]
    last_round: HareRound
    unallocated: int
    applied: list[str]


def apportion(votes: dict[str, int], seats: int, cap: int | None, ballot_order: dict[str, int]) -> Apportionment:
    """Hare with largest remainders; lists above ``cap`` keep ``cap`` and the rest is shared again among the others.

    The excess goes to the uncapped lists by a fresh Hare round over the seats left (UNVERIFIED method,
    docs/rules.md "Cap"); it repeats until no list is above the cap.
    """
    final: dict[str, int] = {}
    rounds: dict[str, HareRound] = {}
    capped: set[str] = set()
    applied: list[str] = []
    remaining, seats_left = dict(votes), seats
    while True:
        current = hare_largest_remainder(remaining, seats_left, ballot_order)
        rounds.update(dict.fromkeys(remaining, current))
        if current.tie_at_boundary:
            applied.append("remainder_tie_votes_then_ballot_order")
        over = {p for p, s in current.allocation.items() if cap is not None and s > cap}
        if cap is None or not over:
            final.update(current.allocation)
            break
        applied.append("seat_cap")
        for p in over:
            final[p] = cap
            del remaining[p]
        capped |= over
        seats_left -= cap * len(over)
        if not remaining:
            break
    unallocated = seats - sum(final.values())
    if unallocated:
        applied.append("seats_unallocated")
    return Apportionment(final, rounds, capped, current, unallocated, applied)


def fill_list(
    listed: Sequence[Candidate], preference: dict[str, int], seats: int, rules: PartyListRules
) -> tuple[dict[str, str], int, list[str]]:
    """The persons elected from one list: ``(candidate_id -> reason, women required, rules applied)``.

    First ``ceil(seats × women_min_bp)`` seats go to the list's women ranked by preference votes; the rest to
    everyone left by preference votes. Equal or zero preferences → registered list order. Closed lists
    (``use_preferences`` false) use list order throughout.
    """

    def key(c: Candidate) -> tuple[int, int]:
        return (-preference[c.candidate_id] if rules.use_preferences else 0, c.list_position or 0)

    eligible = sorted((c for c in listed if c.status == "registered"), key=key)
    required = min(ceil_bp(rules.women_min_bp, seats), seats)
    women = [c for c in eligible if c.gender == "female"]
    elected = {c.candidate_id: "women_first" for c in women[:required]}
    applied = ["women_first"] if required else []
    if len(women) < required:
        applied.append("women_shortfall")
    reason = "preference_votes" if rules.use_preferences else "list_order"
    for c in eligible:
        if len(elected) == seats:
            break
        elected.setdefault(c.candidate_id, reason)
    if len(elected) < seats:
        applied.append("list_exhausted")
    return elected, required, applied


def _party_votes(contest: Contest, votes: Sequence[int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s, v in zip(contest.selections, votes, strict=True):
        if s.party_id is not None:
            out[s.party_id] = out.get(s.party_id, 0) + v
    return out


def _preferences(contest: Contest, manifest: Manifest, votes: Sequence[int]) -> dict[str, int]:
    by_position = {
        (s.party_id, s.list_position): v
        for s, v in zip(contest.selections, votes, strict=True)
        if s.kind == "party_preference"
    }
    return {
        c.candidate_id: by_position.get((c.party_id, c.list_position), 0)
        for c in manifest.candidates
        if c.party_id is not None and c.list_position is not None
    }


def _failed_regions(data: ContestInput, party_id: str, rules: PartyListRules) -> tuple[str, ...]:
    if rules.regional_threshold_bp == 0:
        return ()
    failed = []
    for region_id in rules.regional_threshold_region_ids:
        if region_id in data.suppressed_regions:
            continue  # no counts of its own: the threshold is evaluated over the regions that publish theirs
        figures = data.region_figures(region_id)
        region_votes = data.votes_by_region.get(region_id)
        if figures is None or region_votes is None:
            raise CountsError(f"contest {data.contest.contest_id!r} needs counts and turnout for region {region_id!r}")
        party = _party_votes(data.contest, region_votes).get(party_id, 0)
        base = figures.took_part if rules.threshold_base == "took_part" else sum(region_votes)
        if not at_least_bp(party, base, rules.regional_threshold_bp):
            failed.append(region_id)
    return tuple(failed)


def party_list(data: ContestInput) -> ContestResult:
    """Thresholds → Hare/largest remainders with the cap → persons elected inside each list."""
    rules = data.manifest.rules.party_list
    assert rules is not None  # the manifest guarantees a block for every kind it uses
    contest, manifest = data.contest, data.manifest
    parties = sorted(
        (manifest.party(s.party_id) for s in contest.selections if s.kind == "party" and s.party_id),
        key=lambda p: p.ballot_order,
    )
    votes = _party_votes(contest, data.votes)
    cancelled = sum(votes[p.party_id] for p in parties if p.status == "deregistered")
    base = data.turnout.took_part if rules.threshold_base == "took_part" else sum(data.votes) - cancelled
    applied = ["cancelled_deregistered_list"] if cancelled else []
    national = {p.party_id: at_least_bp(votes[p.party_id], base, rules.national_threshold_bp) for p in parties}
    regional = {p.party_id: _failed_regions(data, p.party_id, rules) for p in parties}
    suppressed = {
        r: data.suppressed_reason(r)
        for r in (rules.regional_threshold_region_ids if rules.regional_threshold_bp else ())
        if r in data.suppressed_regions
    }
    if suppressed:
        applied.append("regional_threshold_over_published_regions")
    qualified = {
        p.party_id: votes[p.party_id]
        for p in parties
        if p.status == "registered" and national[p.party_id] and not regional[p.party_id]
    }
    order = {p.party_id: p.ballot_order for p in parties}
    split = apportion(qualified, contest.seats, rules.seat_cap, order)
    applied += split.applied if qualified else ["no_list_passed_threshold"]
    preference = _preferences(contest, manifest, data.votes)
    outcomes = [
        _party_outcome(p, data, rules, votes, preference, national, regional, split, applied, base) for p in parties
    ]
    elected = tuple(cid for o in outcomes for cid in o.elected)
    outcome: Outcome = "elected" if elected else "failed"
    return ContestResult(
        contest_id=contest.contest_id,
        kind=contest.kind,
        district_id=contest.district_id,
        seats=contest.seats,
        outcome=outcome,
        failed=outcome == "failed",
        registered=data.turnout.registered,
        took_part=data.turnout.took_part,
        invalid=data.turnout.invalid,
        cancelled=cancelled,
        base=base,
        against_all=data.against_all(),
        selections=data.tallies(),
        parties=tuple(outcomes),
        elected=elected,
        quota=Ratio.of(split.last_round.total, split.last_round.seats) if qualified else None,
        applied=tuple(dict.fromkeys(applied)),
        suppressed_regions=suppressed,
    )


def _party_outcome(
    party: Party,
    data: ContestInput,
    rules: PartyListRules,
    votes: dict[str, int],
    preference: dict[str, int],
    national: dict[str, bool],
    regional: dict[str, tuple[str, ...]],
    split: Apportionment,
    applied: list[str],
    base: int,
) -> PartyOutcome:
    pid = party.party_id
    seats = split.seats.get(pid, 0)
    hare = split.rounds.get(pid)
    listed = data.manifest.party_list(pid)
    elected, required, inside = fill_list(listed, preference, seats, rules) if seats else ({}, 0, [])
    applied += inside
    # Rank: the elected first, then the others; inside each group by preference votes, then list order.
    weight = 1 if rules.use_preferences else 0
    ranked = sorted(
        listed,
        key=lambda c: (c.candidate_id not in elected, -weight * preference[c.candidate_id], c.list_position or 0),
    )
    rank = {c.candidate_id: i + 1 for i, c in enumerate(ranked)}
    candidates = tuple(
        CandidateOutcome(
            candidate_id=c.candidate_id,
            votes=preference[c.candidate_id],
            share=Ratio.of(preference[c.candidate_id], votes[pid]),
            rank=rank[c.candidate_id] if c.status == "registered" else 0,
            status=c.status,
            elected=c.candidate_id in elected,
            seat_reason=elected.get(c.candidate_id),
        )
        for c in listed
    )
    return PartyOutcome(
        party_id=pid,
        status=party.status,
        votes=votes[pid],
        share=Ratio.of(votes[pid], base),
        passed_national=national[pid],
        failed_regions=regional[pid],
        qualified=hare is not None,
        quota_seats=hare.quota_seats[pid] if hare else 0,
        remainder=Ratio.of(hare.remainder_num[pid], hare.total) if hare else Ratio.of(0, 0),
        remainder_seat=bool(hare and pid in hare.remainder_seat),
        capped=pid in split.capped,
        seats=seats,
        women_required=required,
        women_elected=sum(1 for c in listed if c.candidate_id in elected and c.gender == "female"),
        unfilled=seats - len(elected),
        candidates=candidates,
        elected=tuple(
            c.candidate_id for c in sorted(listed, key=lambda c: rank[c.candidate_id]) if c.candidate_id in elected
        ),
    )

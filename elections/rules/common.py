"""What every rule module needs: the contest's input bundle, exact share tests, ranking with tie-breaks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from elections.manifest import Candidate, Contest, Manifest
from elections.results_model import CandidateOutcome, ContestTurnout, Figures, Ratio, SelectionTally

BP = 10_000  # basis points in a whole

#: The reasons a result gives for a region without counts of its own (docs/spec/results.md, "Suppressed regions").
SUPPRESSED_SMALL = "suppressed: fewer than min_cell_ballots counted ballots"
SUPPRESSED_TAKEN_IN = "suppressed: merged into the nation cell to bring the small regions up to min_cell_ballots"


@dataclass(frozen=True)
class ContestInput:
    """One contest's counts (per selection, in `Contest.selections` order), turnout and per-region counts."""

    manifest: Manifest
    contest: Contest
    votes: tuple[int, ...]
    turnout: ContestTurnout
    votes_by_region: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: Regions that publish no counts of their own: their counted ballots were fewer than the manifest's
    #: ``min_cell_ballots`` and were decrypted only inside the ``nation`` cell (docs/spec/results.md).
    suppressed_regions: frozenset[str] = frozenset()

    def tallies(self) -> tuple[SelectionTally, ...]:
        return tuple(
            SelectionTally(selection_id=s.selection_id, votes=v)
            for s, v in zip(self.contest.selections, self.votes, strict=True)
        )

    def against_all(self) -> int | None:
        index = self.contest.against_all_index()
        return None if index is None else self.votes[index]

    def suppressed_reason(self, region_id: str) -> str:
        """Why ``region_id`` has no counts of its own (one of `SUPPRESSED_SMALL`, `SUPPRESSED_TAKEN_IN`)."""
        figures = self.region_figures(region_id)
        small = figures is None or figures.took_part < self.manifest.policy.minimum_cell
        return SUPPRESSED_SMALL if small else SUPPRESSED_TAKEN_IN

    def region_figures(self, region_id: str) -> Figures | None:
        return self.turnout.by_region.get(region_id)


def at_least_bp(votes: int, base: int, bp: int) -> bool:
    """``votes / base >= bp / 10000``, exactly."""
    return votes * BP >= bp * base


def more_than_bp(votes: int, base: int, bp: int) -> bool:
    """``votes / base > bp / 10000``, exactly."""
    return votes * BP > bp * base


def ceil_bp(bp: int, whole: int) -> int:
    """``ceil(whole * bp / 10000)``, exactly."""
    return -(-(whole * bp) // BP)


def registration_key(candidate: Candidate) -> tuple[str, str]:
    """Earlier registration first; the candidate id only separates identical timestamps (UNVERIFIED)."""
    return (candidate.registered_at, candidate.candidate_id)


def rank_by_votes(candidates: Sequence[Candidate], votes: dict[str, int]) -> list[Candidate]:
    """Most votes first; equal votes → the earlier registered first (docs/rules.md, ``tie_earlier_registration``)."""
    return sorted(candidates, key=lambda c: (-votes[c.candidate_id], *registration_key(c)))


def has_tie(ranked: Sequence[Candidate], votes: dict[str, int], position: int) -> bool:
    """Whether the candidates at ``position`` and ``position + 1`` (0-based) have equal votes."""
    return (
        position + 1 < len(ranked) and votes[ranked[position].candidate_id] == votes[ranked[position + 1].candidate_id]
    )


def candidate_outcomes(
    contest: Contest,
    manifest: Manifest,
    votes: dict[str, int],
    ranked: Sequence[Candidate],
    base: int,
    seat_reasons: dict[str, str],
) -> tuple[CandidateOutcome, ...]:
    """One outcome per candidate selection, in ballot order; deregistered candidates have rank 0."""
    rank = {c.candidate_id: i + 1 for i, c in enumerate(ranked)}
    out = []
    for s in contest.selections:
        if s.candidate_id is None:
            continue
        candidate = manifest.candidate(s.candidate_id)
        out.append(
            CandidateOutcome(
                candidate_id=candidate.candidate_id,
                votes=votes[candidate.candidate_id],
                share=Ratio.of(votes[candidate.candidate_id], base),
                rank=rank.get(candidate.candidate_id, 0),
                status=candidate.status,
                elected=candidate.candidate_id in seat_reasons,
                seat_reason=seat_reasons.get(candidate.candidate_id),
            )
        )
    return tuple(out)


def candidate_votes(data: ContestInput) -> tuple[dict[str, int], list[Candidate], int]:
    """Votes per candidate, the registered candidates, and the votes cancelled for deregistered ones."""
    votes: dict[str, int] = {}
    registered: list[Candidate] = []
    cancelled = 0
    for s, v in zip(data.contest.selections, data.votes, strict=True):
        if s.candidate_id is None:
            continue
        candidate = data.manifest.candidate(s.candidate_id)
        votes[candidate.candidate_id] = v
        if candidate.status == "registered":
            registered.append(candidate)
        else:
            cancelled += v
    return votes, registered, cancelled

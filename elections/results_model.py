"""Result records of the rules engine (docs/elections.md, "Results"): data only, ints and strings only.

Shares are exact fractions (`Ratio`), never floats, so a result's canonical JSON is stable and hashable:
``record_hash("result", ElectionResults.to_canonical_dict())``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crypto.canonical import record_hash
from elections.errors import UnknownIdError
from elections.manifest import ContestKind

RESULTS_SPEC_VERSION = "shailoo-results/1"
RESULT_TAG = "result"

_STRICT = ConfigDict(extra="forbid", frozen=True)
_COUNT = Field(ge=0)

Outcome = Literal["elected", "runoff_needed", "repeat_election", "failed", "not_held", "passed", "rejected"]


class Figures(BaseModel):
    """Turnout figures of one area: registered voters, voters who took part (ballots received), invalid ballots."""

    model_config = _STRICT
    registered: int = _COUNT
    took_part: int = _COUNT
    invalid: int = _COUNT

    @model_validator(mode="after")
    def _consistent(self) -> Figures:
        if self.invalid > self.took_part:
            raise ValueError("more invalid ballots than voters who took part")
        return self


class ContestTurnout(Figures):
    """Turnout of a contest, with the per-region figures the regional threshold needs."""

    by_region: dict[str, Figures] = Field(default_factory=dict)


class Turnout(BaseModel):
    """Turnout per contest id (the base of every share is the contest's own turnout)."""

    model_config = _STRICT
    contests: dict[str, ContestTurnout]


class Ratio(BaseModel):
    """An exact fraction ``num / den`` (``den`` 0 only for an empty base, then ``num`` is 0)."""

    model_config = _STRICT
    num: int = _COUNT
    den: int = _COUNT

    @classmethod
    def of(cls, num: int, den: int) -> Ratio:
        return cls(num=num if den else 0, den=den)


class SelectionTally(BaseModel):
    """Votes of one selection, as decrypted."""

    model_config = _STRICT
    selection_id: str
    votes: int = _COUNT


class CandidateOutcome(BaseModel):
    """A candidate's votes (or preference votes), rank and whether elected, with the reason of the seat."""

    model_config = _STRICT
    candidate_id: str
    votes: int = _COUNT
    share: Ratio
    rank: int = Field(ge=0, description="1 = best placed; 0 = not ranked (deregistered)")
    status: Literal["registered", "deregistered"]
    elected: bool
    seat_reason: str | None = None


class PartyOutcome(BaseModel):
    """A list's votes, thresholds, Hare arithmetic, cap, seats and the persons elected from it."""

    model_config = _STRICT
    party_id: str
    status: Literal["registered", "deregistered"]
    votes: int = _COUNT
    share: Ratio
    passed_national: bool
    failed_regions: tuple[str, ...]
    qualified: bool
    quota_seats: int = _COUNT
    remainder: Ratio
    remainder_seat: bool
    capped: bool
    seats: int = _COUNT
    women_required: int = _COUNT
    women_elected: int = _COUNT
    unfilled: int = _COUNT
    candidates: tuple[CandidateOutcome, ...]
    elected: tuple[str, ...]


class ContestResult(BaseModel):
    """The result of one contest: counts, base, outcome and flags, winners, and the arithmetic applied."""

    model_config = _STRICT
    contest_id: str
    kind: ContestKind
    district_id: str | None
    seats: int = _COUNT
    outcome: Outcome
    runoff_needed: bool = False
    repeat_election: bool = False
    failed: bool = False
    not_held: bool = False
    registered: int = _COUNT
    took_part: int = _COUNT
    invalid: int = _COUNT
    #: Votes cancelled because their candidate or list was deregistered after the vote (stay in took_part).
    cancelled: int = _COUNT
    base: int = Field(ge=0, description="denominator of the shares (took_part or valid votes, per the rules)")
    against_all: int | None = None
    selections: tuple[SelectionTally, ...]
    candidates: tuple[CandidateOutcome, ...] = ()
    parties: tuple[PartyOutcome, ...] = ()
    elected: tuple[str, ...] = ()
    runoff: tuple[str, ...] = ()
    quota: Ratio | None = None
    #: Codes of the rules applied, in order (docs/rules.md), e.g. ``tie_earlier_registration``.
    applied: tuple[str, ...] = ()
    #: Regions a regional rule would read that publish no counts of their own, each with its reason
    #: (docs/spec/results.md, "Suppressed regions"); left out of the canonical form while empty.
    suppressed_regions: dict[str, str] = Field(default_factory=dict)


class ElectionResults(BaseModel):
    """All contest results of an election, bound to the manifest by its hash (hex)."""

    model_config = _STRICT
    spec_version: Literal["shailoo-results/1"] = "shailoo-results/1"
    election_id: str
    manifest_hash: str
    contests: tuple[ContestResult, ...]

    def contest(self, contest_id: str) -> ContestResult:
        for result in self.contests:
            if result.contest_id == contest_id:
                return result
        raise UnknownIdError(f"no result for contest {contest_id!r}")

    def to_canonical_dict(self) -> dict[str, Any]:
        """The JSON object that is hashed and published (ints, strings, bools, null only). A contest's
        ``suppressed_regions`` appears only when it names a region, so results without one keep their hash."""
        data = self.model_dump(mode="json")
        for contest in data["contests"]:
            if not contest["suppressed_regions"]:
                del contest["suppressed_regions"]
        return data

    def results_hash(self) -> bytes:
        """``record_hash("result", to_canonical_dict())``."""
        return record_hash(RESULT_TAG, self.to_canonical_dict())

"""Paper rules for scanned ballots (docs/elections.md, "Paper ballots"; parameters `PaperRules`).

A scanner reports, per contest, the boxes marked (selection ids: candidates, parties, "against all", yes/no)
and, on a party-list ballot, the list-position numbers marked. `interpret_paper_contest` applies the
configured rules and keeps a record of every rule applied, so the precinct protocol can say why a ballot was
invalid or a preference void:

* more marks than allowed → the contest's ballot is invalid (``overvote_invalid``);
* no mark where one is needed → invalid (``blank_invalid``);
* a preference number with no party mark → void, or the ballot invalid, as configured;
* a preference number beyond the marked party's list → void, or invalid, as configured;
* more than one preference number → void, or invalid, as configured.

A valid contest yields the selection ids to encode (the same as an electronic voter's marks); an invalid one
yields none and is reported among the invalid ballots of the precinct.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from elections.ballot import selection_vector
from elections.errors import BallotError
from elections.manifest import Contest, Manifest
from elections.parameters import PaperRules

_STRICT = ConfigDict(extra="forbid", frozen=True)


class ScannedContest(BaseModel):
    """What the scanner read for one contest: boxes marked and list-position numbers marked."""

    model_config = _STRICT
    marked: tuple[str, ...] = ()
    preferences: tuple[int, ...] = Field(default=(), description="list positions marked (party-list ballots)")


class PaperContest(BaseModel):
    """The reading of one contest: valid or not, the selection ids to count, and the rules applied."""

    model_config = _STRICT
    contest_id: str
    valid: bool
    selection_ids: tuple[str, ...]
    vector: tuple[int, ...] | None
    applied: tuple[str, ...]


class PaperBallot(BaseModel):
    """The reading of a whole scanned ballot of one ballot style."""

    model_config = _STRICT
    style_id: str
    contests: tuple[PaperContest, ...]


def interpret_paper_contest(contest: Contest, scanned: ScannedContest, rules: PaperRules) -> PaperContest:
    """Apply the paper rules to one contest; `BallotError` only if the scan names a box not on the ballot."""
    known = {s.selection_id for s in contest.selections if s.kind != "party_preference"}
    if unknown := set(scanned.marked) - known:
        raise BallotError(f"contest {contest.contest_id!r}: scanner reports unknown boxes {sorted(unknown)}")
    marked = tuple(sorted(set(scanned.marked)))
    applied: list[str] = []

    def invalid(rule: str) -> PaperContest:
        applied.append(rule)
        return PaperContest(
            contest_id=contest.contest_id, valid=False, selection_ids=(), vector=None, applied=tuple(applied)
        )

    if len(marked) > contest.max_marks:
        return invalid("overvote_invalid")
    chosen = list(marked)
    preferences = sorted(set(scanned.preferences))
    if preferences:
        if len(preferences) > 1:
            if rules.several_preferences == "invalid":
                return invalid("several_preferences_invalid")
            applied.append("several_preferences_void")
        else:
            party = _marked_party(contest, marked)
            if party is None:
                if rules.preference_without_party == "invalid":
                    return invalid("preference_without_party_invalid")
                applied.append("preference_without_party_void")
            elif (preference := _preference_selection(contest, party, preferences[0])) is None:
                if rules.preference_beyond_list == "invalid":
                    return invalid("preference_beyond_list_invalid")
                applied.append("preference_beyond_list_void")
            else:
                chosen = [preference]
    if len(chosen) < max(contest.min_marks, 1):
        return invalid("blank_invalid")
    vector = selection_vector(contest, chosen)
    return PaperContest(
        contest_id=contest.contest_id,
        valid=True,
        selection_ids=tuple(chosen),
        vector=tuple(vector),
        applied=tuple(applied),
    )


def interpret_paper_ballot(manifest: Manifest, style_id: str, scanned: Mapping[str, ScannedContest]) -> PaperBallot:
    """Apply the manifest's paper rules to every contest of the style (a contest not scanned is blank)."""
    style = manifest.ballot_style(style_id)
    if stray := set(scanned) - set(style.contest_ids):
        raise BallotError(f"ballot style {style_id!r} does not hold contests {sorted(stray)}")
    readings = tuple(
        interpret_paper_contest(manifest.contest(cid), scanned.get(cid, ScannedContest()), manifest.rules.paper)
        for cid in style.contest_ids
    )
    return PaperBallot(style_id=style_id, contests=readings)


def _marked_party(contest: Contest, marked: tuple[str, ...]) -> str | None:
    parties = {s.selection_id: s.party_id for s in contest.selections if s.kind == "party"}
    for box in marked:
        if box in parties:
            return parties[box]
    return None


def _preference_selection(contest: Contest, party_id: str | None, position: int) -> str | None:
    for s in contest.selections:
        if s.kind == "party_preference" and s.party_id == party_id and s.list_position == position:
            return s.selection_id
    return None

"""A presidential runoff as a second election linked to the first: its manifest from the first round's results,
and the check that the link and the candidates are exactly what those results call for."""

from __future__ import annotations

from typing import Any

import pytest

from elections.manifest import Manifest
from elections.presets import build_preset
from elections.protocols import results_from_protocols
from elections.results_model import ElectionResults
from elections.runoff import RunoffError, check_runoff_link, runoff_manifest

FIRST = build_preset("president")
OPENS, CLOSES = "2021-01-24T02:00:00Z", "2021-01-24T14:00:00Z"


def _results(votes: dict[str, int]) -> ElectionResults:
    protocol = {
        "precinct_id": "pr0001",
        "registered": 5000,
        "took_part": sum(votes.values()),
        "votes": {"president": votes},
    }
    return results_from_protocols(FIRST, [protocol])


NO_MAJORITY = _results({"c0003": 400, "c0001": 350, "c0002": 300, "c0004": 100})


def _runoff(results: ElectionResults = NO_MAJORITY) -> Manifest:
    return runoff_manifest(FIRST, results, election_id="kg-president-2021-r2", voting_opens=OPENS, voting_closes=CLOSES)


def test_the_runoff_holds_the_two_leaders_and_links_to_the_first_round() -> None:
    assert NO_MAJORITY.contest("president").outcome == "runoff_needed"
    runoff = _runoff()
    on_ballot = [s.selection_id for s in runoff.contest("president").selections]
    assert on_ballot == ["c0001", "c0003", "against_all"]  # the manifest's order, the top two of the first round
    assert {c.candidate_id for c in runoff.candidates} == {"c0001", "c0003"}
    assert runoff.previous_election is not None
    assert runoff.previous_election.election_id == FIRST.election_id
    assert runoff.previous_election.results_hash == NO_MAJORITY.results_hash().hex()
    assert runoff.rules.president is not None and runoff.rules.president.runoff_round
    assert runoff.dates.voting_opens == OPENS
    check_runoff_link(runoff, FIRST, NO_MAJORITY)
    assert "previous_election" not in FIRST.to_canonical_dict()  # other manifests keep their hash


def test_no_runoff_is_built_when_the_first_round_elected_someone() -> None:
    with pytest.raises(RunoffError) as refused:
        _runoff(_results({"c0003": 900, "c0001": 100}))
    assert refused.value.code == "no_runoff"


def _with_third_instead_of_second(runoff: Manifest) -> Manifest:
    data: dict[str, Any] = runoff.to_canonical_dict()
    first = FIRST.to_canonical_dict()
    third = next(c for c in first["candidates"] if c["candidate_id"] == "c0002")
    data["candidates"] = [third if c["candidate_id"] == "c0001" else c for c in data["candidates"]]
    for contest in data["contests"]:
        contest["selections"] = [
            next(s for s in first["contests"][0]["selections"] if s["selection_id"] == "c0002")
            if s["selection_id"] == "c0001"
            else s
            for s in contest["selections"]
        ]
    return Manifest.from_dict(data)


def test_a_runoff_with_another_candidate_than_the_top_two_fails_the_check() -> None:
    forged = _with_third_instead_of_second(_runoff())  # differs only in the candidate (c0002 for c0001)
    with pytest.raises(RunoffError) as refused:
        check_runoff_link(forged, FIRST, NO_MAJORITY)
    assert refused.value.code == "runoff_candidates"


def test_a_runoff_linked_to_another_result_fails_the_check() -> None:
    other = _results({"c0003": 400, "c0001": 350, "c0002": 300, "c0004": 101})  # same leaders, other counts
    with pytest.raises(RunoffError, match="results_hash"):
        check_runoff_link(_runoff(other), FIRST, NO_MAJORITY)

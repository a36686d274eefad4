"""The rules engine on the presets, run as an election's steps: ballots → per-style tallies → results."""

from __future__ import annotations

import json

import pytest

from elections.ballot import encode_ballot
from elections.errors import CountsError
from elections.manifest import Manifest
from elections.presets import build_preset
from elections.results import ResultsMismatchError, check_results, compute_results, compute_results_by_style
from elections.results_model import ElectionResults, Turnout


def _sum_ballots(
    manifest: Manifest, ballots: list[tuple[str, dict[str, list[str]]]]
) -> dict[str, dict[str, list[int]]]:
    """Encode every ballot and add the vectors per ballot style (what the homomorphic tally yields)."""
    tally: dict[str, dict[str, list[int]]] = {}
    for style_id, marks in ballots:
        for contest_id, vector in encode_ballot(manifest, style_id, marks).items():
            total = tally.setdefault(style_id, {}).setdefault(contest_id, [0] * len(vector))
            for i, v in enumerate(vector):
                total[i] += v
    return tally


def _turnout(manifest: Manifest, tally: dict[str, dict[str, list[int]]]) -> Turnout:
    """Turnout per contest and region: one ballot per mark in one-mark contests, a third of voters took part."""
    took: dict[str, dict[str, int]] = {}
    for style_id, per_contest in tally.items():
        region = manifest.ballot_style(style_id).region_id
        for contest_id, vector in per_contest.items():
            regions = took.setdefault(contest_id, {})
            regions[region] = regions.get(region, 0) + sum(vector)

    def figures(n: int) -> dict[str, int]:
        return {"registered": 3 * n, "took_part": n, "invalid": 0}

    return Turnout.model_validate(
        {
            "contests": {
                cid: {**figures(sum(regions.values())), "by_region": {r: figures(n) for r, n in regions.items()}}
                for cid, regions in took.items()
            }
        }
    )


def test_village_election_end_to_end() -> None:
    village = build_preset("village")
    contest = village.contest("ayil-v1")
    men = [
        s.selection_id
        for s in contest.selections
        if s.candidate_id and village.candidate(s.candidate_id).gender == "male"
    ]
    women = [
        s.selection_id
        for s in contest.selections
        if s.candidate_id and village.candidate(s.candidate_id).gender == "female"
    ]
    ballots = [("s-v1", {"ayil-v1": men[:5]})] * 40 + [("s-v1", {"ayil-v1": women[:1]})] * 3
    ballots += [("s-v2", {"ayil-v2": ["against_all"]}), ("s-v3", {"ayil-v3": ["against_all"]})]
    tally = _sum_ballots(village, ballots)
    results = compute_results_by_style(village, tally, _turnout(village, tally))
    r = results.contest("ayil-v1")
    # ceil(30 % × 5) = 2 seats reserved: the woman with 3 votes and the next woman (0 votes, earlier registered).
    assert sum(1 for cid in r.elected if village.candidate(cid).gender == "female") == 2
    assert len(r.elected) == 5


def _jk2021_tally(manifest: Manifest, weights: dict[int, int]) -> dict[str, dict[str, list[int]]]:
    """Deterministic per-style counts: party p gets weights[p] unmarked-preference votes per style plus a few
    preferences; 30 "against all" per style."""
    contest = manifest.contest("party-list")
    tally = {}
    for n, style in enumerate(manifest.ballot_styles):
        vector = []
        for s in contest.selections:
            party = int(s.party_id[1:]) if s.party_id else 0
            if s.kind == "party":
                vector.append(weights.get(party, 0))
            elif s.kind == "party_preference":
                vector.append((party * (s.list_position or 0) + n) % 5 if weights.get(party, 0) else 0)
            else:
                vector.append(30)
        counts = {"party-list": vector}
        for cid in style.contest_ids[1:]:
            smd = manifest.contest(cid)
            counts[cid] = [(i * 37 + n) % 90 for i in range(len(smd.selections) - 1)] + [20]
        tally[style.style_id] = counts
    return tally


def test_parliament_2021_list_seats_add_up_with_gender_rule() -> None:
    jk = build_preset("parliament-2021")
    tally = _jk2021_tally(jk, {p: (22 - p) ** 2 for p in range(1, 22)})
    results = compute_results_by_style(jk, tally, _turnout(jk, tally))
    r = results.contest("party-list")
    assert r.outcome == "elected"
    assert sum(p.seats for p in r.parties) == 54 == len(r.elected)
    for p in r.parties:
        assert p.women_elected >= p.women_required
        assert p.seats <= 27
    assert [p.qualified for p in r.parties][:3] == [True, True, True] and not r.parties[-1].qualified
    assert sum(1 for c in results.contests if c.kind == "single_member_district" and c.elected) == 36


def test_parliament_2021_cap_passes_the_excess_on() -> None:
    jk = build_preset("parliament-2021")
    tally = _jk2021_tally(jk, {1: 700, 2: 200, 3: 100})
    r = compute_results_by_style(jk, tally, _turnout(jk, tally)).contest("party-list")
    seats = [p.seats for p in r.parties[:3]]
    assert seats[0] == 27 and r.parties[0].capped and sum(seats) == 54 and seats[1] > seats[2]
    assert r.parties[0].quota_seats > 27  # the uncapped Hare round gave it more


def test_parliament_2025_every_district_elects_three_with_both_genders() -> None:
    jk = build_preset("parliament-2025")
    tally = {
        s.style_id: {cid: [(i * 13) % 41 for i in range(len(jk.contest(cid).selections))] for cid in s.contest_ids}
        for s in jk.ballot_styles
    }
    results = compute_results_by_style(jk, tally, _turnout(jk, tally))
    for r in results.contests:
        genders = {jk.candidate(cid).gender for cid in r.elected}
        assert len(r.elected) == 3 and genders == {"female", "male"}


def test_results_are_canonical_json_with_no_floats_and_bound_to_the_manifest() -> None:
    president = build_preset("president")
    counts = {"president": [100 + i for i in range(18)]}
    figures = Turnout.model_validate(
        {"contests": {"president": {"registered": 9000, "took_part": 3000, "invalid": 10}}}
    )
    results = compute_results(president, counts, figures)
    text = json.dumps(results.to_canonical_dict())
    assert "." not in "".join(ch for ch in text if not ch.isalpha())  # no decimal points anywhere
    assert results.manifest_hash == president.manifest_hash().hex()
    assert ElectionResults.model_validate_json(text).results_hash() == results.results_hash()
    check_results(president, counts, figures, results)


def test_tampered_result_is_detected() -> None:
    president = build_preset("president")
    counts = {"president": [100 + i for i in range(18)]}
    figures = Turnout.model_validate(
        {"contests": {"president": {"registered": 9000, "took_part": 3000, "invalid": 10}}}
    )
    honest = compute_results(president, counts, figures)
    forged_contest = honest.contests[0].model_copy(update={"runoff": ("c0001", "c0002")})
    forged = honest.model_copy(update={"contests": (forged_contest,)})
    with pytest.raises(ResultsMismatchError):
        check_results(president, counts, figures, forged)


@pytest.mark.parametrize(
    "counts",
    [{"president": [1] * 17}, {"president": [1] * 17 + [-1]}, {"president": [1] * 18, "ghost": [1]}, {}],
    ids=["short", "negative", "unknown-contest", "missing-contest"],
)
def test_inconsistent_counts_are_refused(counts: dict[str, list[int]]) -> None:
    president = build_preset("president")
    figures = Turnout.model_validate({"contests": {"president": {"registered": 9000, "took_part": 3000, "invalid": 0}}})
    with pytest.raises(CountsError):
        compute_results(president, counts, figures)


def test_more_votes_than_voters_is_refused() -> None:
    president = build_preset("president")
    figures = Turnout.model_validate({"contests": {"president": {"registered": 9000, "took_part": 100, "invalid": 50}}})
    with pytest.raises(CountsError):
        compute_results(president, {"president": [3] * 18}, figures)

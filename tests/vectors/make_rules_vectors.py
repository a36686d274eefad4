"""Shared vectors of the rules engine (check 43): inputs and the results the Python engine gives for them.

``tests/vectors/rules.json`` holds, per case, a manifest (its canonical JSON and hash), the counts per ballot style,
the turnout, and either the expected ``ElectionResults`` JSON or ``"refused": true`` (a `CountsError`). Cases with
``tally_groups`` and ``registered_by_region`` also pin the turnout of docs/spec/results.md §2 computed from them.
The TypeScript verifier's own rules engine (web/verifier/src/rules.ts, written from docs/rules.md and
docs/spec/results.md) must reproduce every case (web/verifier/test/rules.test.ts); tests/vectors/
test_rules_vectors.py checks that this file is what this generator writes.

The cases: worked examples of every rule and edge (ties, thresholds at the boundary, quotas, the seat cap, gender
swaps, reserved seats, suppressed regions, refusals), every preset of `elections.presets` with counts made up
deterministically, and the party-list seats of two official elections recomputed from published figures:

* JK 2015 (120 seats, 7 % threshold, cap 65): the six lists' votes as published (Wikipedia, "2015 Kyrgyz
  parliamentary election", from the CEC's figures), 1,626,255 voters who took part; official seats 38 / 28 / 18 /
  13 / 12 / 11. The 0.7 % regional threshold is left out (no regional figures at hand; the six lists passed it).
* JK 2021 (54 seats, 5 %): the CEC's final shares (Interfax, 15 Dec 2021: 17.30 / 13.62 / 10.99 / 8.33 / 7.03 /
  6.15 %) of the 1,281,622 voters who took part (Kabar via Trend, 16 Dec 2021), rounded to whole votes — the
  published vote counts were not at hand; official seats 15 / 12 / 9 / 7 / 6 / 5. No regional figures either.

No official figures of the 2024 local or 2025 district elections are in this repository; they are not here.

Run ``uv run --frozen python -m tests.vectors.make_rules_vectors`` to rewrite the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from crypto.errors import ShailooError
from elections.manifest import Manifest
from elections.presets import PRESET_NAMES, build_preset
from elections.results import compute_results_by_style
from elections.results_model import Turnout
from record.tally import EncryptedTally, TallyGroup, turnout_from_tally
from tests.elections.builders import candidate_election, list_counts, list_election, turnout

PATH: Final = Path(__file__).resolve().parent / "rules.json"

Case = dict[str, Any]

JK2021_RULES = {
    "party_list": {
        "national_threshold_bp": 500,
        "regional_threshold_bp": 50,
        "regional_threshold_region_ids": ["north", "south", "naryn"],
        "seat_cap": 27,
        "women_min_bp": 3000,
    }
}
PLAIN = {"party_list": {"national_threshold_bp": 500}}


def _case(
    name: str,
    about: str,
    manifest: Manifest,
    counts_by_style: Mapping[str, Mapping[str, Sequence[int]]],
    figures: Turnout,
    *,
    tally_groups: list[dict[str, Any]] | None = None,
    registered_by_region: Mapping[str, int] | None = None,
    expect_seats: Mapping[str, int] | None = None,
) -> Case:
    counts = {s: {c: list(v) for c, v in cs.items()} for s, cs in counts_by_style.items()}
    case: Case = {
        "name": name,
        "about": about,
        "manifest": manifest.to_canonical_dict(),
        "manifest_hash": manifest.manifest_hash().hex(),
        "counts_by_style": counts,
        "turnout": figures.model_dump(mode="json"),
    }
    if tally_groups is not None:
        case["tally_groups"] = tally_groups
        case["registered_by_region"] = dict(registered_by_region or {})
    try:
        results = compute_results_by_style(manifest, counts, figures)
    except ShailooError:  # a CountsError, or an id the manifest lacks: check 43 fails
        case["refused"] = True
        return case
    case["expected"] = results.to_canonical_dict()
    case["results_hash"] = results.results_hash().hex()
    if expect_seats is not None:  # the official seats: the generator refuses to write a file that misses them
        got = {p.party_id: p.seats for c in results.contests for p in c.parties}
        assert got == dict(expect_seats), (name, got)
    return case


def _single(manifest: Manifest, votes: Sequence[int]) -> dict[str, dict[str, list[int]]]:
    style = manifest.ballot_styles[0]
    return {style.style_id: {style.contest_ids[0]: list(votes)}}


def _candidates() -> list[Case]:
    president = {"president": {}}
    out = []

    def add(name: str, about: str, m: Manifest, votes: Sequence[int], figures: Turnout) -> None:
        out.append(_case(name, about, m, _single(m, votes), figures))

    def pres(**kw: Any) -> Manifest:
        return candidate_election("presidential", "mfm", rules={"president": kw} if kw else president)

    add("president_majority", "more than half of those who took part", pres(), [501, 300, 100, 99], turnout(1000))
    add("president_exactly_half_runoff", "exactly half is no majority", pres(), [500, 250, 250, 0], turnout(1000))
    add(
        "president_invalid_in_base",
        "invalid ballots keep 510 of 1,020 at half",
        pres(),
        [510, 400, 10, 0],
        turnout(1020, invalid=100),
    )
    add(
        "president_valid_votes_base",
        "majority of valid votes when configured",
        pres(majority_base="valid_votes"),
        [460, 400, 40, 0],
        turnout(1000),
    )
    add(
        "president_against_all_ahead",
        "against all ahead of the leader fails it",
        pres(),
        [300, 200, 100, 400],
        turnout(1000),
    )
    add(
        "president_against_all_equal",
        "against all equal to the leader does not",
        pres(),
        [300, 200, 100, 300],
        turnout(1000),
    )
    add(
        "president_runoff_round",
        "second round: more votes wins",
        pres(runoff_round=True),
        [400, 410, 0, 100],
        turnout(1000),
    )
    add(
        "president_three_way_runoff",
        "a runoff of three (runoff_size 3)",
        pres(runoff_size=3),
        [300, 200, 200, 0],
        turnout(1000),
    )
    m = candidate_election("presidential", "mfm", rules=president, registration_order=[3, 2, 1])
    add(
        "president_tie_first_earlier_registration",
        "equal leaders: the earlier registered first",
        m,
        [400, 400, 100, 0],
        turnout(1000),
    )
    m = candidate_election("presidential", "mfm", rules=president, deregistered=["k1"])
    add(
        "president_deregistered_cancelled",
        "a deregistered candidate's votes cancelled, kept in the base",
        m,
        [600, 300, 50, 0],
        turnout(1000),
    )
    m = candidate_election("presidential", "mm", rules=president, deregistered=["k1", "k2"])
    add("president_no_registered_candidate", "every candidate deregistered", m, [10, 5, 1], turnout(20))

    sm = {"single_member": {}}
    m = candidate_election("single_member_district", "mmf", rules=sm)
    add("smd_plurality", "most votes wins without a majority", m, [300, 250, 200, 100], turnout(1000))
    m = candidate_election("single_member_district", "mmf", rules=sm, registration_order=[2, 1, 3])
    add("smd_tie", "tie: the earlier registered wins", m, [300, 300, 200, 100], turnout(1000))
    add(
        "smd_against_all_ahead",
        "against all ahead: repeat",
        candidate_election("single_member_district", "mmf", rules=sm),
        [300, 250, 100, 301],
        turnout(1000),
    )
    m = candidate_election("single_member_district", "mmf", rules=sm, deregistered=["k1"])
    add("smd_cancelled_above_third", "cancelled above a third: repeat", m, [400, 300, 200, 0], turnout(1000))
    add(
        "smd_cancelled_exactly_third",
        "exactly a third is not above: the next placed wins",
        m,
        [300, 250, 200, 0],
        turnout(900),
    )
    m = candidate_election(
        "single_member_district",
        "mm",
        rules={
            "single_member": {
                "against_all_ahead_repeat": False,
                "deregistered_repeat_num": 1,
                "deregistered_repeat_den": 2,
            }
        },
    )
    add("smd_configured", "against all ahead switched off", m, [10, 20, 30], turnout(100))

    pd = {"parliament_district": {}}

    def district(genders: str, **kw: Any) -> Manifest:
        return candidate_election("parliament_district", genders, rules={"parliament_district": kw}, seats=3)

    add(
        "district_mixed_top_three",
        "top three of both genders",
        district("mfmf"),
        [400, 300, 200, 100, 0],
        turnout(1000),
    )
    add(
        "district_three_men_on_top",
        "the third seat to the best placed woman",
        district("mmmf"),
        [400, 300, 200, 100, 0],
        turnout(1000),
    )
    add(
        "district_three_women_on_top",
        "the third seat to the best placed man",
        district("fffmm"),
        [400, 300, 200, 100, 50, 0],
        turnout(1100),
    )
    add(
        "district_one_gender",
        "one gender nominated: not held",
        district("mmmm"),
        [400, 300, 200, 100, 0],
        turnout(1000),
    )
    m = candidate_election("parliament_district", "mmmf", rules=pd, seats=3, deregistered=["k4"])
    add("district_only_woman_deregistered", "one gender left: not held", m, [400, 300, 200, 100, 0], turnout(1000))
    m = candidate_election("parliament_district", "mfmm", rules=pd, seats=3, registration_order=[1, 2, 4, 3])
    add("district_tie_third_seat", "tie for the third seat", m, [400, 300, 200, 200, 0], turnout(1100))
    add("district_too_few", "two candidates for three seats", district("mf"), [400, 300, 0], turnout(700))
    add(
        "district_against_all_on",
        "against all ahead, switched on",
        district("mfm", against_all_ahead_repeat=True),
        [100, 90, 80, 300],
        turnout(600),
    )
    add(
        "district_cap_one",
        "at most one of each gender",
        district("mmff", max_same_gender=1),
        [400, 300, 200, 100, 0],
        turnout(1000),
    )

    def village(genders: str, seats: int, **kw: Any) -> Manifest:
        return candidate_election(
            "reserved_women_district", genders, rules={"reserved_women": kw}, seats=seats, max_marks=seats
        )

    add(
        "village_reserved",
        "the reserved seat to the best placed woman",
        village("mmmmf", 3),
        [500, 400, 300, 200, 100, 0],
        turnout(1000),
    )
    add(
        "village_rounding_up",
        "four seats reserve two",
        village("mmmmff", 4),
        [600, 500, 400, 300, 200, 100, 0],
        turnout(1000),
    )
    add("village_shortfall", "too few women", village("mmmmf", 4), [500, 400, 300, 200, 100, 0], turnout(1000))
    add(
        "village_zero_reserved",
        "no reserved seats",
        village("mmff", 2, women_reserved_bp=0),
        [400, 300, 200, 100, 0],
        turnout(1000),
    )
    add("village_tie_unfilled", "ties and too few candidates", village("mf", 3), [100, 100, 0], turnout(300))
    return out


def _referendum(votes: Sequence[int], took_part: int, registered: int, **rules: Any) -> tuple[Manifest, Any, Turnout]:
    m = build_preset("referendum")
    data = m.to_canonical_dict()
    data["contests"] = data["contests"][:1]
    data["ballot_styles"] = [{**data["ballot_styles"][0], "contest_ids": [data["contests"][0]["contest_id"]]}]
    data["rules"]["referendum"] = {**data["rules"]["referendum"], **rules}
    manifest = Manifest.from_dict(data)
    contest = manifest.contests[0]
    region = manifest.ballot_styles[0].region_id
    figures = Turnout.model_validate(
        {
            "contests": {
                contest.contest_id: {
                    "registered": registered,
                    "took_part": took_part,
                    "invalid": 0,
                    "by_region": {region: {"registered": registered, "took_part": took_part, "invalid": 0}},
                }
            }
        }
    )
    return manifest, {manifest.ballot_styles[0].style_id: {contest.contest_id: list(votes)}}, figures


def _referendums() -> list[Case]:
    out = []
    for name, about, votes, took, reg, rules in [
        ("referendum_below_turnout", "turnout at 29.99 %: not held", None, 2999, 10000, {}),
        ("referendum_exactly_30", "turnout exactly 30 %: not held", None, 3000, 10000, {}),
        ("referendum_passes", "above 30 % and more than half yes", None, 3001, 10000, {}),
        ("referendum_half_yes_rejected", "yes exactly half: rejected", "half", 4000, 10000, {}),
        ("referendum_against_all_majority", "against all above half: not held", "against", 4000, 10000, {}),
        (
            "referendum_valid_votes_base",
            "base of valid votes when configured",
            "valid",
            4000,
            10000,
            {"question_base": "valid_votes"},
        ),
    ]:
        m = build_preset("referendum")
        n = len(m.contests[0].selections)
        if votes is None:
            vector = [took // 2 + 1, took - took // 2 - 1] + [0] * (n - 2)
        elif votes == "half":
            vector = [took // 2, took // 2] + [0] * (n - 2)
        elif votes == "against":
            vector = [1000, 900] + [0] * (n - 3) + [2001] if n > 2 else [took // 2, took // 2]
        else:
            vector = [1900, 1700] + [0] * (n - 2)
        manifest, counts, figures = _referendum(vector, took, reg, **rules)
        out.append(_case(name, about, manifest, counts, figures))
    return out


def _party_lists() -> list[Case]:
    out = []

    def add(name: str, about: str, m: Manifest, by_style: Mapping[str, Sequence[int]], figures: Turnout) -> None:
        out.append(_case(name, about, m, {s: {"c": list(v)} for s, v in by_style.items()}, figures))

    m = list_election(["m" * 10] * 4, seats=10, rules=PLAIN)
    add(
        "list_hare_not_dhondt",
        "Hare with largest remainders, a remainder tie decided by ballot order",
        m,
        {"s-north": list_counts(m, {"p1": 5800, "p2": 1500, "p3": 1500, "p4": 1200})},
        turnout(10_000),
    )
    m = list_election(["m" * 10] * 3, seats=10, rules=PLAIN)
    add(
        "list_remainder_tie_more_votes",
        "equal remainders (0.5): more votes before ballot order",
        m,
        {"s-north": list_counts(m, {"p1": 6000, "p2": 1500, "p3": 2500})},
        turnout(10_000),
    )
    add(
        "list_threshold_boundary",
        "exactly 5 % passes, 4.99 % fails",
        m,
        {"s-north": list_counts(m, {"p1": 6000, "p2": 500, "p3": 499})},
        turnout(10_000),
    )
    huge = 9_000_000_000_000_961  # below 2^53; floats round 450,000,000,000,048 × 10000 up to 500 × huge
    add(
        "list_threshold_boundary_huge",
        "one vote short of 5 % of 9·10^15: fails, though floats would round it to a pass",
        m,
        {"s-north": list_counts(m, {"p1": huge - 1 - (huge - 1) // 20, "p2": 0, "p3": (huge - 1) // 20})},
        turnout(huge, registered=huge),
    )
    m = list_election(["m" * 10] * 2, seats=10, rules=PLAIN)
    add(
        "list_invalid_in_base",
        "invalid ballots and against all raise the base",
        m,
        {"s-north": list_counts(m, {"p1": 8900, "p2": 490}, against_all=10)},
        turnout(10_000, invalid=600),
    )
    m = list_election(["m" * 5] * 25, seats=10, rules=PLAIN)
    add(
        "list_nobody_passes",
        "no list passes: failed, no seats",
        m,
        {"s-north": list_counts(m, {f"p{i + 1}": 400 for i in range(25)})},
        turnout(10_000),
    )
    m = list_election(["fm" * 20] * 3, seats=30, rules=JK2021_RULES)
    regional = {
        "s-north": list_counts(m, {"p1": 3000, "p2": 2000, "p3": 1000}),
        "s-south": list_counts(m, {"p1": 2000, "p2": 1000, "p3": 10}),
        "s-naryn": list_counts(m, {"p1": 500, "p2": 300, "p3": 200}),
    }
    add(
        "list_regional_threshold",
        "0.5 % in each region: p3 fails the south",
        m,
        regional,
        turnout(10_010, by_region={"north": 6000, "south": 3010, "naryn": 1000}),
    )
    m = list_election(["fm" * 30] * 2, seats=30, rules=JK2021_RULES)
    add(
        "list_regional_missing",
        "a region the threshold needs without counts: refused",
        m,
        {"s-north": list_counts(m, {"p1": 6000, "p2": 3000})},
        turnout(9000, by_region={"north": 9000}),
    )
    # Suppressed regions: a `nation` cell holds the small regions' ballots (docs/rules.md, "Small regions").
    m = list_election(["m" * 30] * 2, seats=30, rules=JK2021_RULES)
    cells = {
        "s-north": {"c": list_counts(m, {"p1": 2500, "p2": 1996})},
        "s-south": {"c": list_counts(m, {"p1": 3000, "p2": 1000})},
        "nation": {"c": list_counts(m, {"p1": 3, "p2": 1})},
    }
    figures = turnout(9_000, by_region={"north": 4496, "south": 4000, "naryn": 4})
    out.append(
        _case("list_suppressed_small_region", "naryn below min_cell_ballots: left out and named", m, cells, figures)
    )
    low = {**cells, "s-south": {"c": list_counts(m, {"p1": 3996, "p2": 4})}}
    out.append(
        _case(
            "list_suppressed_published_still_applies", "south is published: p2 with 0.1 % fails there", m, low, figures
        )
    )
    taken = {"s-north": cells["s-north"], "nation": {"c": list_counts(m, {"p1": 3003, "p2": 1001})}}
    figures = turnout(8_500, by_region={"north": 4496, "south": 4000, "naryn": 4})
    out.append(
        _case("list_suppressed_taken_in", "south merged into nation with naryn: the other reason", m, taken, figures)
    )
    out.append(
        _case(
            "list_region_cell",
            "a region cell counts in its region",
            m,
            {
                "region:north": cells["s-north"],
                "s-south": cells["s-south"],
                "s-naryn": {"c": list_counts(m, {"p1": 3, "p2": 1})},
            },
            turnout(8_500, by_region={"north": 4496, "south": 4000, "naryn": 4}),
        )
    )
    m = list_election(["mf" * 30] * 3, seats=54, rules=JK2021_RULES)
    votes = {"p1": 7000, "p2": 2000, "p3": 1000}
    add(
        "list_cap_27",
        "the first list capped at 27, the excess shared again",
        m,
        {"s-north": list_counts(m, votes), "s-south": list_counts(m, votes), "s-naryn": list_counts(m, votes)},
        turnout(30_000, by_region={"north": 10_000, "south": 10_000, "naryn": 10_000}),
    )
    m = list_election(["m" * 30, "m" * 30], seats=54, rules=JK2021_RULES)
    add(
        "list_cap_unallocated",
        "one list qualifies and is capped: seats unallocated",
        m,
        {s: list_counts(m, {"p1": 9000, "p2": 10}) for s in ("s-north", "s-south", "s-naryn")},
        turnout(27_030, by_region={"north": 9010, "south": 9010, "naryn": 9010}),
    )
    women = {"party_list": {"national_threshold_bp": 500, "women_min_bp": 3000}}
    m = list_election(["mmmmffmmff", "mmmmmmmmmf", "m"], seats=10, rules=women)
    prefs = {"p1-6": 300, "p1-2": 200, "p1-10": 100, "p1-1": 50, "p2-3": 80}
    add(
        "list_women_first_preferences",
        "women first by preference, a shortfall, an exhausted list",
        m,
        {"s-north": list_counts(m, {"p1": 5000, "p2": 3000, "p3": 2000}, prefs)},
        turnout(10_000),
    )
    m = list_election(["mfmf" * 3, "mf" * 6], seats=10, rules=women, deregistered=["p1-2", "p2"])
    add(
        "list_deregistered",
        "a deregistered list's votes cancelled, a deregistered candidate passed over",
        m,
        {"s-north": list_counts(m, {"p1": 6000, "p2": 3000}, {"p1-2": 500, "p1-3": 20})},
        turnout(10_000),
    )
    closed = {"party_list": {"national_threshold_bp": 500, "use_preferences": False, "women_min_bp": 3000}}
    m = list_election(["mmmfmf", "fmfmfm"], seats=6, rules=closed)
    add(
        "list_closed",
        "closed lists follow list order",
        m,
        {"s-north": list_counts(m, {"p1": 600, "p2": 400}, {"p1-6": 300})},
        turnout(1000),
    )
    add(
        "list_valid_votes_base",
        "threshold of valid votes",
        list_election(
            ["m" * 5] * 3,
            seats=5,
            rules={"party_list": {"national_threshold_bp": 500, "threshold_base": "valid_votes"}},
        ),
        {"s-north": [950, 0, 0, 0, 0, 0, 49, 0, 0, 0, 0, 0, 52, 0, 0, 0, 0, 0, 1000]},
        turnout(3000),
    )
    # Refusals: the counts do not fit the manifest, nothing is computed.
    m = list_election(["m" * 3] * 2, seats=3, rules=PLAIN)
    good = list_counts(m, {"p1": 60, "p2": 40})
    add("refuse_short_vector", "a count vector shorter than the selections", m, {"s-north": good[:-1]}, turnout(100))
    add("refuse_more_marks", "more marks than ballots", m, {"s-north": good}, turnout(99))
    add("refuse_negative", "a negative count", m, {"s-north": [-1, *good[1:]]}, turnout(100))
    out.append(_case("refuse_unknown_style", "a style the manifest lacks", m, {"s-mars": {"c": good}}, turnout(100)))
    out.append(
        _case(
            "refuse_style_contests",
            "a style's counts naming another contest",
            m,
            {"s-north": {"c": good, "d": [1]}},
            turnout(100),
        )
    )
    out.append(_case("refuse_region_cell", "a region cell of no region", m, {"region:mars": {"c": good}}, turnout(100)))
    return out


def _tally_turnout(manifest: Manifest, groups: list[dict[str, Any]], registered: Mapping[str, int]) -> Turnout:
    """The turnout of results.md §2 from tally groups (``members`` of a merged cell as ``[style, ballots]``)."""
    tally = EncryptedTally(
        election_id=manifest.election_id,
        ballots_counted=sum(g["ballots"] for g in groups),
        styles=tuple(TallyGroup(g["key"], g["ballots"], (), tuple(map(tuple, g["members"]))) for g in groups),
        precincts=(),
    )
    return turnout_from_tally(manifest, tally, registered)


def _merged_cells() -> list[Case]:
    """Turnout and results from a tally with merged cells of small styles (record.md §2.11, "Small cells")."""
    m = list_election(["m" * 30] * 2, seats=30, rules=JK2021_RULES)
    groups = [
        {"key": "s-north", "ballots": 4496, "members": []},
        {"key": "nation", "ballots": 4004, "members": [["s-naryn", 4], ["s-south", 4000]]},
    ]
    registered = {"north": 12_000, "south": 9_000, "naryn": 2}
    counts = {
        "s-north": {"c": list_counts(m, {"p1": 2500, "p2": 1996})},
        "nation": {"c": list_counts(m, {"p1": 3003, "p2": 1001})},
    }
    figures = _tally_turnout(m, groups, registered)
    return [
        _case(
            "cells_nation_turnout",
            "a nation cell: its members' ballots in their regions' turnout, both regions suppressed",
            m,
            counts,
            figures,
            tally_groups=groups,
            registered_by_region=registered,
        )
    ]


def _official() -> list[Case]:
    out = []
    # JK 2015: 14 lists stood; the six that passed, with their published votes.
    votes_2015 = {"p1": 435_804, "p2": 320_115, "p3": 206_094, "p4": 148_279, "p5": 135_875, "p6": 123_055}
    rules_2015 = {"party_list": {"national_threshold_bp": 700, "seat_cap": 65}}
    m = list_election(["mmf" * 22] * 6, seats=120, rules=rules_2015)
    out.append(
        _case(
            "official_jk_2015_list",
            "JK 2015 (SDPK, Respublika–Ata Zhurt, Kyrgyzstan, Onuguu–Progress, Bir Bol, Ata-Meken): 38/28/18/13/12/11",
            m,
            {"s-north": {"c": list_counts(m, votes_2015)}},
            turnout(1_626_255, registered=2_761_297),
            expect_seats={"p1": 38, "p2": 28, "p3": 18, "p4": 13, "p5": 12, "p6": 11},
        )
    )
    took_2021 = 1_281_622
    shares = {"p1": 1730, "p2": 1362, "p3": 1099, "p4": 833, "p5": 703, "p6": 615}  # hundredths of a per cent
    votes_2021 = {p: (took_2021 * s + 5000) // 10_000 for p, s in shares.items()}
    rules_2021 = {"party_list": {"national_threshold_bp": 500, "seat_cap": 27, "women_min_bp": 3000}}
    m = list_election(["mmf" * 7] * 6, seats=54, rules=rules_2021)
    out.append(
        _case(
            "official_jk_2021_list",
            "JK 2021 (Ata-Zhurt Kyrgyzstan, Ishenim, Yntymak, Alliance, Butun Kyrgyzstan, Yiman Nuru): 15/12/9/7/6/5",
            m,
            {"s-north": {"c": list_counts(m, votes_2021)}},
            turnout(took_2021, registered=3_703_420),
            expect_seats={"p1": 15, "p2": 12, "p3": 9, "p4": 7, "p5": 6, "p6": 5},
        )
    )
    return out


def _made_up(label: str, n: int, modulus: int) -> int:
    """A deterministic count in ``[0, modulus)`` (test data only)."""
    return int.from_bytes(hashlib.sha256(f"{label}/{n}".encode()).digest()[:4], "big") % modulus


def _presets() -> list[Case]:
    out = []
    for name in PRESET_NAMES:
        m = build_preset(name)
        groups, counts, registered = [], {}, {}
        for i, style in enumerate(m.ballot_styles):
            ballots = 40 + _made_up(f"{name}/{style.style_id}", 0, 400)
            groups.append({"key": style.style_id, "ballots": ballots, "members": []})
            registered[style.region_id] = registered.get(style.region_id, 0) + 3 * ballots + i
            counts[style.style_id] = {}
            for contest_id in style.contest_ids:
                contest = m.contest(contest_id)
                left = ballots * contest.max_marks
                vector = []
                for k in range(len(contest.selections)):
                    v = _made_up(f"{name}/{style.style_id}/{contest_id}", k, 1 + left // 3)
                    vector.append(v)
                    left -= v
                counts[style.style_id][contest_id] = vector
        figures = _tally_turnout(m, groups, registered)
        out.append(
            _case(
                f"preset_{name}",
                f"the {name} preset with made-up counts",
                m,
                counts,
                figures,
                tally_groups=groups,
                registered_by_region=registered,
            )
        )
    return out


def build_vectors() -> dict[str, Any]:
    return {
        "description": __doc__,
        "cases": [*_candidates(), *_referendums(), *_party_lists(), *_merged_cells(), *_official(), *_presets()],
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {PATH}")

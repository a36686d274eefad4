"""Worked examples: party lists — thresholds, Hare quota with largest remainders, cap, gender rule (§1, §5)."""

from __future__ import annotations

import pytest

from elections.errors import CountsError
from elections.results import compute_results
from elections.rules.proportional import apportion
from tests.elections.builders import list_counts, list_election, run, turnout

PLAIN = {"party_list": {"national_threshold_bp": 500}}
JK2021 = {
    "party_list": {
        "national_threshold_bp": 500,
        "regional_threshold_bp": 50,
        "regional_threshold_region_ids": ["north", "south", "naryn"],
        "seat_cap": 27,
        "women_min_bp": 3000,
    }
}


def test_hare_quota_and_largest_remainders_differ_from_dhondt() -> None:
    # Quota 1,000: 5.8 / 1.5 / 1.5 / 1.2 → 5+1+1+1, two remainder seats: 0.8 (p1) and a 0.5 tie (p2 vs p3:
    # equal votes, ballot order → p2). D'Hondt would give 7/1/1/1.
    m = list_election(["m" * 10] * 4, seats=10, rules=PLAIN)
    votes = {"p1": 5800, "p2": 1500, "p3": 1500, "p4": 1200}
    r = run(m, list_counts(m, votes), turnout(10_000)).contest("c")
    assert [p.seats for p in r.parties] == [6, 2, 1, 1]
    assert [p.quota_seats for p in r.parties] == [5, 1, 1, 1]
    assert [(p.remainder.num, p.remainder.den) for p in r.parties] == [
        (8000, 10000),
        (5000, 10000),
        (5000, 10000),
        (2000, 10000),
    ]
    assert [p.remainder_seat for p in r.parties] == [True, True, False, False]
    assert r.quota is not None and (r.quota.num, r.quota.den) == (10_000, 10)
    assert "remainder_tie_votes_then_ballot_order" in r.applied


def test_threshold_is_at_least_five_percent_of_those_who_took_part() -> None:
    m = list_election(["m" * 10] * 3, seats=10, rules=PLAIN)
    # 500 of 10,000 took part = exactly 5 %: passes. 499: fails.
    r = run(m, list_counts(m, {"p1": 6000, "p2": 500, "p3": 499}), turnout(10_000)).contest("c")
    assert [p.passed_national for p in r.parties] == [True, True, False]
    assert sum(p.seats for p in r.parties) == 10


def test_invalid_ballots_and_against_all_raise_the_threshold_base() -> None:
    # p2 has 5.2 % of valid party votes but only 4.9 % of the 10,000 who took part.
    m = list_election(["m" * 10] * 2, seats=10, rules=PLAIN)
    counts = list_counts(m, {"p1": 8900, "p2": 490}, against_all=10)
    r = run(m, counts, turnout(10_000, invalid=600)).contest("c")
    assert r.base == 10_000 and not r.parties[1].passed_national and r.parties[0].seats == 10


def test_nobody_passing_the_threshold_fails_the_list_election() -> None:
    m = list_election(["m" * 5] * 25, seats=10, rules=PLAIN)
    r = run(m, list_counts(m, {f"p{i}": 400 for i in range(1, 26)}), turnout(10_000)).contest("c")
    assert r.outcome == "failed" and r.failed and r.elected == () and "no_list_passed_threshold" in r.applied


def test_regional_threshold_half_a_percent_in_every_region() -> None:
    m = list_election(["m" * 30] * 2, seats=30, rules=JK2021)
    counts = list_counts(m, {"p1": 6000, "p2": 3000})
    # p2 has 30 % nationally but 4 of 1,000 voters (0.4 %) in Naryn.
    by_region = {
        "north": list_counts(m, {"p1": 2500, "p2": 1996}),
        "south": list_counts(m, {"p1": 3000, "p2": 1000}),
        "naryn": list_counts(m, {"p1": 500, "p2": 4}),
    }
    figures = turnout(10_000, by_region={"north": 5000, "south": 4000, "naryn": 1000})
    r = run(m, counts, figures, by_region).contest("c")
    assert r.parties[1].passed_national and r.parties[1].failed_regions == ("naryn",)
    assert not r.parties[1].qualified and r.parties[1].seats == 0
    # p1 alone qualifies; the cap of 27 leaves 3 seats with no list to take them.
    assert r.parties[0].seats == 27 and r.parties[0].capped and "seats_unallocated" in r.applied


def test_regional_counts_are_required_for_the_regional_threshold() -> None:
    m = list_election(["m" * 30] * 2, seats=30, rules=JK2021)
    with pytest.raises(CountsError):
        run(m, list_counts(m, {"p1": 6000, "p2": 3000}), turnout(10_000))


def test_regional_counts_cannot_exceed_the_total() -> None:
    m = list_election(["m" * 30] * 2, seats=30, rules=JK2021)
    region = list_counts(m, {"p1": 6000, "p2": 3000})
    with pytest.raises(CountsError):
        run(m, region, turnout(10_000, by_region={"north": 9000, "south": 9000}), {"north": region, "south": region})


def test_cap_of_27_seats_passes_the_excess_to_the_other_lists() -> None:
    # Uncapped Hare: 37.8 / 10.8 / 5.4 → 38/11/5. Capped at 27, the other 27 go 18/9 by a fresh Hare round.
    split = apportion({"p1": 7000, "p2": 2000, "p3": 1000}, 54, 27, {"p1": 1, "p2": 2, "p3": 3})
    assert split.seats == {"p1": 27, "p2": 18, "p3": 9}
    assert split.capped == {"p1"} and split.unallocated == 0
    assert apportion({"p1": 7000, "p2": 2000, "p3": 1000}, 54, None, {"p1": 1, "p2": 2, "p3": 3}).seats == {
        "p1": 38,
        "p2": 11,
        "p3": 5,
    }


def test_women_first_ranked_by_preference_votes() -> None:
    # p1 wins 10 seats: ceil(30 % × 10) = 3 go first to its women by preference votes.
    genders = "mmmmmmmmmmfffmm"  # women at positions 11, 12, 13
    m = list_election(
        [genders, "m" * 10], seats=10, rules={"party_list": {"national_threshold_bp": 500, "women_min_bp": 3000}}
    )
    prefs = {"p1-13": 50, "p1-11": 20, "p1-12": 0, "p1-1": 100, "p1-15": 90}
    r = run(m, list_counts(m, {"p1": 9600, "p2": 400}, prefs), turnout(10_000)).contest("c")
    p1 = r.parties[0]
    assert p1.seats == 10 and p1.women_required == 3 and p1.women_elected == 3
    reasons = {c.candidate_id: c.seat_reason for c in p1.candidates if c.elected}
    assert {cid for cid, why in reasons.items() if why == "women_first"} == {"p1-11", "p1-12", "p1-13"}
    # The other seven by preference votes, then list order for zero preferences.
    assert {cid for cid, why in reasons.items() if why == "preference_votes"} == {
        "p1-1",
        "p1-15",
        "p1-2",
        "p1-3",
        "p1-4",
        "p1-5",
        "p1-6",
    }
    assert p1.elected[:3] == ("p1-1", "p1-15", "p1-13")


def test_women_with_no_preference_votes_follow_list_order() -> None:
    m = list_election(["fmfmfmff", "m"], seats=4, rules={"party_list": {"women_min_bp": 3000}})
    r = run(m, list_counts(m, {"p1": 1000, "p2": 0}, {"p1-2": 10, "p1-4": 9}), turnout(1000)).contest("c")
    # ceil(1.2) = 2 women: positions 1 and 3 (list order); then p1-2 and p1-4 by preference votes.
    assert set(r.parties[0].elected) == {"p1-1", "p1-3", "p1-2", "p1-4"}


def test_a_party_with_too_few_women_on_its_list() -> None:
    m = list_election(["mmmmmmf", "m" * 5], seats=7, rules={"party_list": {"women_min_bp": 3000}})
    r = run(m, list_counts(m, {"p1": 1000, "p2": 0}), turnout(1000)).contest("c")
    p1 = r.parties[0]
    assert p1.seats == 7 and p1.women_required == 3 and p1.women_elected == 1
    assert "women_shortfall" in r.applied and p1.unfilled == 0


def test_a_list_shorter_than_its_seats_leaves_seats_unfilled() -> None:
    m = list_election(["mf", "m" * 5], seats=5, rules=PLAIN)
    r = run(m, list_counts(m, {"p1": 900, "p2": 100}), turnout(1000)).contest("c")
    # 4.5 / 0.5 seats: equal remainders → more votes → p1 takes all 5 but has only 2 candidates.
    assert r.parties[0].seats == 5 and r.parties[0].unfilled == 3 and "list_exhausted" in r.applied


def test_deregistered_list_votes_are_cancelled_but_stay_in_the_base() -> None:
    m = list_election(["m" * 10] * 3, seats=10, rules=PLAIN, deregistered=["p1"])
    r = run(m, list_counts(m, {"p1": 6000, "p2": 3000, "p3": 1000}), turnout(10_000)).contest("c")
    assert r.cancelled == 6000 and r.base == 10_000
    assert not r.parties[0].qualified and r.parties[0].seats == 0
    # 3000 : 1000 share 10 seats: quota 400 → 7.5 / 2.5, equal remainders → the list with more votes.
    assert [p.seats for p in r.parties] == [0, 8, 2]
    assert "cancelled_deregistered_list" in r.applied


def test_deregistered_candidate_is_passed_over_inside_the_list() -> None:
    m = list_election(["mmm", "m"], seats=2, rules=PLAIN, deregistered=["p1-1"])
    r = run(m, list_counts(m, {"p1": 1000, "p2": 0}, {"p1-1": 900}), turnout(1000)).contest("c")
    assert r.parties[0].elected == ("p1-2", "p1-3")


def test_closed_list_follows_registered_order() -> None:
    m = list_election(["mmfm", "m"], seats=2, rules={"party_list": {"use_preferences": False, "women_min_bp": 3000}})
    r = run(m, list_counts(m, {"p1": 1000, "p2": 0}, {"p1-4": 900}), turnout(1000)).contest("c")
    assert set(r.parties[0].elected) == {"p1-1", "p1-3"}


def test_a_suppressed_region_is_left_out_of_the_regional_threshold_and_named() -> None:
    """A region below ``min_cell_ballots`` publishes no counts (docs/spec/results.md, "Suppressed regions"): the
    threshold is evaluated over the others and the result names it. Without the rule, Naryn's missing counts
    are an error (the test above)."""
    m = list_election(["m" * 30] * 2, seats=30, rules=JK2021)
    counts = list_counts(m, {"p1": 6000, "p2": 3000})
    by_region = {
        "north": {"c": list(list_counts(m, {"p1": 2500, "p2": 1996}))},
        "south": {"c": list(list_counts(m, {"p1": 3000, "p2": 1000}))},
    }
    figures = turnout(9_004, by_region={"north": 5000, "south": 4000, "naryn": 4})
    r = compute_results(m, {"c": list(counts)}, figures, counts_by_region=by_region, suppressed_regions=["naryn"])
    c = r.contest("c")
    assert c.suppressed_regions == {"naryn": "suppressed: fewer than min_cell_ballots counted ballots"}
    assert [p.failed_regions for p in c.parties] == [(), ()] and all(p.qualified for p in c.parties)
    assert "regional_threshold_over_published_regions" in c.applied
    assert r.to_canonical_dict()["contests"][0]["suppressed_regions"] == c.suppressed_regions
    # South is published and still applies: p2 with 0.4 % there fails it.
    low_south = {**by_region, "south": {"c": list(list_counts(m, {"p1": 3000, "p2": 4}))}}
    c = compute_results(
        m, {"c": list(counts)}, figures, counts_by_region=low_south, suppressed_regions=["naryn"]
    ).contest("c")
    assert c.parties[1].failed_regions == ("south",)


def test_a_suppressed_region_cannot_also_have_counts_and_results_without_one_keep_their_form() -> None:
    m = list_election(["m" * 30] * 2, seats=30, rules=JK2021)
    counts = list_counts(m, {"p1": 6000, "p2": 3000})
    region = {"c": list(counts)}
    figures = turnout(9_000, by_region={"north": 9000})
    with pytest.raises(CountsError):
        compute_results(
            m, {"c": list(counts)}, figures, counts_by_region={"north": region}, suppressed_regions=["north"]
        )
    with pytest.raises(CountsError):
        compute_results(m, {"c": list(counts)}, figures, suppressed_regions=["atlantis"])
    figures = turnout(9_000, by_region={"north": 9000, "south": 0, "naryn": 0})
    plain = run(m, counts, figures, {"north": counts, "south": [0] * len(counts), "naryn": [0] * len(counts)})
    assert "suppressed_regions" not in plain.to_canonical_dict()["contests"][0]

"""Worked examples: single-member districts 2021 (§2), 2025 three-seat districts (§2b), village councils (§5)."""

from __future__ import annotations

from elections.manifest import Manifest
from tests.elections.builders import candidate_election, run, turnout

SMD: dict[str, object] = {"single_member": {}}
JK2025: dict[str, object] = {"parliament_district": {}}
VILLAGE: dict[str, object] = {"reserved_women": {}}


# -- single-member districts (2021) -----------------------------------------------------------------------------


def test_plurality_wins_without_a_majority() -> None:
    m = candidate_election("single_member_district", "mmf", rules=SMD)
    r = run(m, [400, 350, 100, 150], turnout(1000)).contest("c")
    assert r.outcome == "elected" and r.elected == ("k1",) and r.candidates[0].seat_reason == "plurality"


def test_tie_goes_to_the_earlier_registered_candidate() -> None:
    later_first = candidate_election("single_member_district", "mm", rules=SMD, registration_order=[5, 2])
    r = run(later_first, [400, 400, 200], turnout(1000)).contest("c")
    assert r.elected == ("k2",) and "tie_earlier_registration" in r.applied
    in_order = candidate_election("single_member_district", "mm", rules=SMD)
    assert run(in_order, [400, 400, 200], turnout(1000)).contest("c").elected == ("k1",)


def test_against_all_ahead_of_the_leader_means_a_repeat_election() -> None:
    m = candidate_election("single_member_district", "mmf", rules=SMD)
    r = run(m, [300, 200, 150, 350], turnout(1000)).contest("c")
    assert r.outcome == "repeat_election" and r.elected == ()


def test_deregistered_winner_above_one_third_means_a_repeat_election() -> None:
    # Leninsky 2023: 35.86 % of the votes were for the deregistered candidate.
    m = candidate_election("single_member_district", "mmf", rules=SMD, deregistered=["k1"])
    r = run(m, [3586, 3000, 2414, 1000], turnout(10_000)).contest("c")
    assert r.outcome == "repeat_election" and r.cancelled == 3586 and "cancelled_share_repeat" in r.applied


def test_deregistered_winner_below_one_third_gives_the_seat_to_the_next_placed() -> None:
    # Sverdlovsky 2022: the next-placed candidate won.
    m = candidate_election("single_member_district", "mmf", rules=SMD, deregistered=["k1"])
    r = run(m, [3000, 2900, 2100, 2000], turnout(10_000)).contest("c")
    assert r.outcome == "elected" and r.elected == ("k2",) and r.base == 10_000


def test_exactly_one_third_cancelled_is_not_above_one_third() -> None:
    m = candidate_election("single_member_district", "mm", rules=SMD, deregistered=["k1"])
    assert run(m, [333, 366, 300], turnout(999)).contest("c").elected == ("k2",)


def test_the_cancelled_share_is_configurable() -> None:
    m = candidate_election(
        "single_member_district",
        "mm",
        rules={"single_member": {"deregistered_repeat_num": 1, "deregistered_repeat_den": 4}},
        deregistered=["k1"],
    )
    assert run(m, [300, 400, 300], turnout(1000)).contest("c").outcome == "repeat_election"


# -- parliament 2025: three seats, at most two of one gender ----------------------------------------------------


def test_mixed_top_three_are_elected() -> None:
    m = candidate_election("parliament_district", "mfmf", rules=JK2025, seats=3)
    r = run(m, [500, 400, 300, 200, 100], turnout(1500)).contest("c")
    assert r.elected == ("k1", "k2", "k3") and r.outcome == "elected"


def test_three_men_on_top_the_third_seat_goes_to_the_best_placed_woman() -> None:
    m = candidate_election("parliament_district", "mmmmff", rules=JK2025, seats=3)
    r = run(m, [500, 400, 300, 250, 100, 90, 10], turnout(1650)).contest("c")
    assert r.elected == ("k1", "k2", "k5")
    assert "gender_cap_skip" in r.applied
    assert {c.candidate_id: c.seat_reason for c in r.candidates if c.elected}["k5"] == "gender_cap_replacement"


def test_three_women_on_top_the_third_seat_goes_to_the_best_placed_man() -> None:
    m = candidate_election("parliament_district", "fffm", rules=JK2025, seats=3)
    assert run(m, [500, 400, 300, 1, 0], turnout(1201)).contest("c").elected == ("k1", "k2", "k4")


def test_one_gender_nominated_means_not_held() -> None:
    m = candidate_election("parliament_district", "mmmm", rules=JK2025, seats=3)
    r = run(m, [500, 400, 300, 200, 0], turnout(1400)).contest("c")
    assert r.outcome == "not_held" and r.not_held and r.elected == ()


def test_deregistering_the_only_woman_leaves_one_gender_and_the_district_not_held() -> None:
    m = candidate_election("parliament_district", "mmmf", rules=JK2025, seats=3, deregistered=["k4"])
    assert run(m, [500, 400, 300, 200, 0], turnout(1400)).contest("c").outcome == "not_held"


def test_tie_for_the_third_seat_goes_to_the_earlier_registered() -> None:
    m = candidate_election("parliament_district", "mfmf", rules=JK2025, seats=3, registration_order=[1, 2, 9, 3])
    r = run(m, [500, 400, 300, 300, 0], turnout(1500)).contest("c")
    assert r.elected == ("k1", "k2", "k4")


def test_against_all_repeat_in_2025_is_off_by_default_and_configurable() -> None:
    votes = [300, 200, 100, 50, 400]
    m = candidate_election("parliament_district", "mfmf", rules=JK2025, seats=3)
    assert run(m, votes, turnout(1050)).contest("c").outcome == "elected"
    on = candidate_election(
        "parliament_district", "mfmf", rules={"parliament_district": {"against_all_ahead_repeat": True}}, seats=3
    )
    assert run(on, votes, turnout(1050)).contest("c").outcome == "repeat_election"


def test_too_few_candidates_leaves_seats_unfilled() -> None:
    m = candidate_election("parliament_district", "mf", rules=JK2025, seats=3)
    r = run(m, [10, 5, 0], turnout(15)).contest("c")
    assert r.outcome == "failed" and r.elected == ("k1", "k2") and "seats_unfilled" in r.applied


# -- village councils: at least 30 % of seats (rounded up) reserved for women ------------------------------------


def _village(genders: str, seats: int, **kw: object) -> Manifest:
    return candidate_election("reserved_women_district", genders, rules=VILLAGE, seats=seats, max_marks=seats, **kw)  # type: ignore[arg-type]


def test_reserved_seats_go_to_the_women_with_most_votes_even_if_men_outpolled_them() -> None:
    m = _village("mmmmmff", seats=5)
    r = run(m, [900, 800, 700, 600, 500, 200, 100, 0], turnout(1000)).contest("c")
    # ceil(5 × 30 %) = 2 reserved seats: both women, then the three best men.
    assert set(r.elected) == {"k1", "k2", "k3", "k6", "k7"}
    reasons = {c.candidate_id: c.seat_reason for c in r.candidates if c.elected}
    assert reasons["k6"] == reasons["k7"] == "reserved_for_women"
    assert r.quota is not None and (r.quota.num, r.quota.den) == (2, 5)


def test_women_already_on_top_fill_the_reserved_seats() -> None:
    m = _village("ffmmmm", seats=4)
    r = run(m, [900, 800, 700, 600, 500, 400, 0], turnout(1000)).contest("c")
    assert r.elected == ("k1", "k2", "k3", "k4")


def test_rounding_is_up_four_seats_reserve_two() -> None:
    m = _village("mmmmff", seats=4)
    r = run(m, [900, 800, 700, 600, 20, 10, 0], turnout(1000)).contest("c")
    assert set(r.elected) == {"k1", "k2", "k5", "k6"}


def test_too_few_women_the_reserved_seat_goes_to_the_next_vote_getter() -> None:
    m = _village("mmmmmf", seats=5)
    r = run(m, [900, 800, 700, 600, 500, 10, 0], turnout(1000)).contest("c")
    assert set(r.elected) == {"k1", "k2", "k3", "k4", "k6"}
    assert "women_reserved_shortfall" in r.applied


def test_zero_reserved_share_is_plain_top_vote_getters() -> None:
    m = candidate_election(
        "reserved_women_district", "mmmff", rules={"reserved_women": {"women_reserved_bp": 0}}, seats=3, max_marks=3
    )
    assert run(m, [900, 800, 700, 600, 500, 0], turnout(1500)).contest("c").elected == ("k1", "k2", "k3")

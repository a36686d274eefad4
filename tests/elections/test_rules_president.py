"""Worked examples: presidential election (KYRGYZ_RULES.md §3) and referendum (§4)."""

from __future__ import annotations

from elections.manifest import Manifest
from elections.results import compute_results
from elections.results_model import Turnout
from tests.elections.builders import candidate_election, run, turnout

PRESIDENT = candidate_election("presidential", "mfmm", rules={"president": {}})


def test_more_than_half_of_those_who_took_part_is_elected() -> None:
    r = run(PRESIDENT, [600, 250, 50, 50, 50], turnout(1000)).contest("c")
    assert r.outcome == "elected" and r.elected == ("k1",)
    assert r.candidates[0].seat_reason == "majority"
    assert (r.candidates[0].share.num, r.candidates[0].share.den) == (600, 1000)


def test_exactly_half_is_not_a_majority_and_goes_to_a_runoff() -> None:
    r = run(PRESIDENT, [500, 300, 100, 50, 50], turnout(1000)).contest("c")
    assert r.outcome == "runoff_needed" and r.runoff_needed
    assert r.runoff == ("k1", "k2") and r.elected == ()


def test_invalid_ballots_stay_in_the_base() -> None:
    # 510 of 910 valid votes is a majority of valid votes, but not of the 1,050 who took part.
    r = run(PRESIDENT, [510, 400, 0, 0, 0], turnout(1050, invalid=140)).contest("c")
    assert r.base == 1050 and r.outcome == "runoff_needed"


def test_majority_of_valid_votes_when_configured() -> None:
    m = candidate_election("presidential", "mfmm", rules={"president": {"majority_base": "valid_votes"}})
    r = run(m, [510, 400, 0, 0, 0], turnout(1050, invalid=140)).contest("c")
    assert r.base == 910 and r.outcome == "elected"


def test_against_all_ahead_of_the_leader_fails_the_election() -> None:
    r = run(PRESIDENT, [300, 200, 50, 50, 400], turnout(1000)).contest("c")
    assert r.outcome == "repeat_election" and r.failed and r.repeat_election
    assert r.applied == ("against_all_ahead",) and r.against_all == 400


def test_against_all_equal_to_the_leader_does_not_fail_it() -> None:
    r = run(PRESIDENT, [300, 200, 100, 100, 300], turnout(1000)).contest("c")
    assert r.outcome == "runoff_needed"


def test_tie_for_the_runoff_place_goes_to_the_earlier_registered() -> None:
    m = candidate_election("presidential", "mfmm", rules={"president": {}}, registration_order=[1, 4, 2, 3])
    r = run(m, [400, 250, 250, 50, 50], turnout(1000)).contest("c")
    assert r.runoff == ("k1", "k3")
    assert "runoff_tie_earlier_registration" in r.applied


def test_runoff_round_goes_to_the_candidate_with_more_votes() -> None:
    m = candidate_election("presidential", "mf", rules={"president": {"runoff_round": True}})
    r = run(m, [480, 470, 50], turnout(1000)).contest("c")
    assert r.outcome == "elected" and r.elected == ("k1",)


def test_votes_of_a_deregistered_candidate_are_cancelled() -> None:
    m = candidate_election("presidential", "mfmm", rules={"president": {}}, deregistered=["k1"])
    r = run(m, [600, 300, 50, 25, 25], turnout(1000)).contest("c")
    assert r.cancelled == 600 and r.outcome == "runoff_needed" and r.runoff == ("k2", "k3")
    assert r.candidates[0].rank == 0 and r.candidates[0].status == "deregistered"


# -- referendum -----------------------------------------------------------------------------------------------


def _referendum(yes: int, no: int, against: int, took_part: int, registered: int) -> str:
    m = Manifest.model_validate(
        {
            **candidate_election("presidential", "m", rules={"president": {}}).model_dump(mode="json"),
            "candidates": [],
            "rules": {"referendum": {}},
            "contests": [
                {
                    "contest_id": "c",
                    "kind": "referendum_question",
                    "name": {"ky": "Q", "ru": "Q", "en": "Q"},
                    "question": {"ky": "?", "ru": "?", "en": "?"},
                    "district_id": "d1",
                    "selections": [
                        {"selection_id": "yes", "kind": "yes"},
                        {"selection_id": "no", "kind": "no"},
                        {"selection_id": "against_all", "kind": "against_all"},
                    ],
                }
            ],
        }
    )
    figures = Turnout.model_validate(
        {"contests": {"c": {"registered": registered, "took_part": took_part, "invalid": 0}}}
    )
    return compute_results(m, {"c": [yes, no, against]}, figures).contest("c").outcome


def test_referendum_below_30_percent_turnout_is_not_held() -> None:
    assert _referendum(2000, 900, 99, took_part=2999, registered=10_000) == "not_held"


def test_referendum_at_exactly_30_percent_is_not_held() -> None:
    assert _referendum(2000, 900, 100, took_part=3000, registered=10_000) == "not_held"


def test_referendum_above_30_percent_with_more_than_half_yes_passes() -> None:
    assert _referendum(1601, 1300, 100, took_part=3001, registered=10_000) == "passed"


def test_referendum_yes_at_exactly_half_is_rejected() -> None:
    assert _referendum(1500, 1400, 100, took_part=3000 + 0, registered=9_000) == "rejected"


def test_referendum_yes_must_beat_half_of_those_who_took_part_not_of_valid_votes() -> None:
    # 1,600 yes of 3,100 valid votes, but 4,000 took part (900 invalid): not passed.
    assert _referendum(1600, 1400, 100, took_part=4000, registered=10_000) == "rejected"


def test_referendum_against_all_majority_means_not_held() -> None:
    assert _referendum(1000, 400, 2100, took_part=4000, registered=10_000) == "not_held"

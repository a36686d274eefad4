"""Paper rules for scanned ballots: what is invalid, what is void, and the record of what was applied."""

from __future__ import annotations

import pytest

from elections.errors import BallotError
from elections.manifest import Manifest
from elections.paper import ScannedContest, interpret_paper_ballot, interpret_paper_contest
from elections.parameters import PaperRules
from elections.presets import build_preset

JK2021 = build_preset("parliament-2021")
LISTS = JK2021.contest("party-list")
DEFAULT = PaperRules()
STRICT = PaperRules(preference_without_party="invalid", preference_beyond_list="invalid", several_preferences="invalid")


def _read(
    marked: tuple[str, ...] = (), preferences: tuple[int, ...] = (), rules: PaperRules = DEFAULT
) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    r = interpret_paper_contest(LISTS, ScannedContest(marked=marked, preferences=preferences), rules)
    return r.valid, r.selection_ids, r.applied


def test_party_mark_with_a_preference_number() -> None:
    assert _read(("p05",), (12,)) == (True, ("p05#12",), ())


def test_party_mark_alone() -> None:
    assert _read(("p05",)) == (True, ("p05",), ())


def test_two_party_marks_is_an_overvote_and_invalid() -> None:
    assert _read(("p05", "p06"), (3,)) == (False, (), ("overvote_invalid",))


def test_party_and_against_all_is_an_overvote() -> None:
    assert _read(("p05", "against_all"))[0] is False


def test_blank_ballot_is_invalid() -> None:
    assert _read() == (False, (), ("blank_invalid",))


def test_preference_without_party_is_void_and_the_blank_ballot_invalid() -> None:
    assert _read((), (7,)) == (False, (), ("preference_without_party_void", "blank_invalid"))


def test_preference_with_against_all_is_void_and_against_all_counts() -> None:
    assert _read(("against_all",), (7,)) == (True, ("against_all",), ("preference_without_party_void",))


def test_preference_beyond_the_list_is_void_and_the_party_counts() -> None:
    assert _read(("p05",), (55,)) == (True, ("p05",), ("preference_beyond_list_void",))


def test_several_preferences_are_void_and_the_party_counts() -> None:
    assert _read(("p05",), (3, 9)) == (True, ("p05",), ("several_preferences_void",))


@pytest.mark.parametrize(
    ("marked", "preferences", "rule"),
    [
        (("against_all",), (7,), "preference_without_party_invalid"),
        (("p05",), (55,), "preference_beyond_list_invalid"),
        (("p05",), (3, 9), "several_preferences_invalid"),
    ],
)
def test_strict_paper_rules_make_the_ballot_invalid(
    marked: tuple[str, ...], preferences: tuple[int, ...], rule: str
) -> None:
    assert _read(marked, preferences, STRICT) == (False, (), (rule,))


def test_scanner_reporting_a_box_not_on_the_ballot_is_refused() -> None:
    with pytest.raises(BallotError):
        _read(("p99",))
    with pytest.raises(BallotError):
        _read(("p05#3",))  # preferences come as numbers, never as boxes


def test_whole_ballot_vectors_match_electronic_encoding() -> None:
    scanned = {
        "party-list": ScannedContest(marked=("p02",), preferences=(4,)),
        "smd-d01": ScannedContest(marked=("against_all",)),
    }
    ballot = interpret_paper_ballot(JK2021, "s-d01", scanned)
    assert [c.valid for c in ballot.contests] == [True, True]
    vector = ballot.contests[0].vector
    assert vector is not None and vector[LISTS.selection_index("p02#4")] == 1 and sum(vector) == 1


def test_unscanned_contest_is_blank() -> None:
    ballot = interpret_paper_ballot(JK2021, "s-d01", {"party-list": ScannedContest(marked=("p02",))})
    assert ballot.contests[1].valid is False and ballot.contests[1].vector is None


def test_village_ballot_with_more_marks_than_seats_is_invalid() -> None:
    village: Manifest = build_preset("village")
    contest = village.contest("ayil-v1")
    marks = tuple(s.selection_id for s in contest.selections[:6])
    r = interpret_paper_contest(contest, ScannedContest(marked=marks), village.rules.paper)
    assert r.applied == ("overvote_invalid",)

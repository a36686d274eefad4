"""Plaintext ballot ↔ selection vectors, both directions, on the presets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elections.ballot import check_selection_vector, decode_selections, encode_ballot
from elections.errors import BallotError, UnknownIdError
from elections.presets import build_preset

JK2021 = build_preset("parliament-2021")
VILLAGE = build_preset("village")


def test_party_list_vector_has_1156_positions_and_one_mark() -> None:
    vectors = encode_ballot(JK2021, "s-d01", {"party-list": ["p03#7"], "smd-d01": ["against_all"]})
    assert list(vectors) == ["party-list", "smd-d01"]
    assert len(vectors["party-list"]) == 21 * (1 + 54) + 1 == 1156
    assert sum(vectors["party-list"]) == 1
    assert vectors["party-list"][JK2021.contest("party-list").selection_index("p03#7")] == 1
    assert decode_selections(JK2021, "s-d01", vectors) == {"party-list": ("p03#7",), "smd-d01": ("against_all",)}


def test_abroad_style_gets_only_the_party_list() -> None:
    vectors = encode_ballot(JK2021, "s-abroad", {"party-list": ["p01"]})
    assert list(vectors) == ["party-list"]


def test_two_marks_in_a_one_mark_contest_is_refused() -> None:
    with pytest.raises(BallotError):
        encode_ballot(JK2021, "s-d01", {"party-list": ["p01", "p02"], "smd-d01": ["against_all"]})


def test_blank_contest_is_refused_when_a_mark_is_required() -> None:
    with pytest.raises(BallotError):
        encode_ballot(JK2021, "s-d01", {"party-list": ["p01"]})


def test_contest_of_another_district_is_refused() -> None:
    with pytest.raises(BallotError):
        encode_ballot(JK2021, "s-d01", {"party-list": ["p01"], "smd-d01": ["against_all"], "smd-d02": ["c1200"]})


def test_unknown_selection_and_repeated_mark_are_refused() -> None:
    with pytest.raises(BallotError):
        encode_ballot(VILLAGE, "s-v1", {"ayil-v1": ["c9999"]})
    with pytest.raises(BallotError):
        encode_ballot(VILLAGE, "s-v1", {"ayil-v1": ["c0001", "c0001"]})


def test_unknown_style_is_refused() -> None:
    with pytest.raises(UnknownIdError):
        encode_ballot(VILLAGE, "s-nowhere", {})


def test_village_allows_up_to_one_mark_per_seat() -> None:
    contest = VILLAGE.contest("ayil-v1")
    marks = [s.selection_id for s in contest.selections[: contest.seats]]
    assert sum(encode_ballot(VILLAGE, "s-v1", {"ayil-v1": marks})["ayil-v1"]) == contest.seats
    with pytest.raises(BallotError):
        encode_ballot(VILLAGE, "s-v1", {"ayil-v1": [s.selection_id for s in contest.selections[: contest.seats + 1]]})


@pytest.mark.parametrize(
    "vector",
    [[2] + [0] * 11, [-1, 1] + [0] * 10, [0] * 11, [True] + [0] * 11, [0] * 12],
    ids=["entry-two", "negative-entry-cancels", "short-vector", "bool-not-int", "blank"],
)
def test_forged_vector_is_refused(vector: list[int]) -> None:
    with pytest.raises(BallotError):
        check_selection_vector(VILLAGE.contest("ayil-v1"), vector)


def test_decode_needs_exactly_the_styles_contests() -> None:
    with pytest.raises(BallotError):
        decode_selections(JK2021, "s-d01", {"party-list": [0] * 1155 + [1]})


@settings(deadline=None)
@given(st.data())
def test_encode_decode_round_trip(data: st.DataObject) -> None:
    contest = VILLAGE.contest("ayil-v2")
    ids = [s.selection_id for s in contest.selections]
    chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=contest.max_marks, unique=True))
    vectors = encode_ballot(VILLAGE, "s-v2", {"ayil-v2": chosen})
    assert set(decode_selections(VILLAGE, "s-v2", vectors)["ayil-v2"]) == set(chosen)

"""The rules vectors (``tests/vectors/rules.json``) are current, and say what they claim from the file alone.

The TypeScript verifier's own rules engine must reproduce every case (web/verifier/test/rules.test.ts, run by
tests/web/test_second_verifier.py::test_the_typescript_unit_tests_pass)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crypto.canonical import record_hash
from elections.manifest import Manifest
from tests.vectors.make_rules_vectors import PATH, build_vectors, render

DOCUMENT: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))

OFFICIAL_SEATS = {
    "official_jk_2015_list": [38, 28, 18, 13, 12, 11],
    "official_jk_2021_list": [15, 12, 9, 7, 6, 5],
}


def test_the_file_is_what_the_generator_writes() -> None:
    assert PATH.read_text(encoding="utf-8") == render(build_vectors())


@pytest.mark.parametrize("case", DOCUMENT["cases"], ids=lambda c: c["name"])
def test_each_case_is_consistent_from_the_file_alone(case: dict[str, Any]) -> None:
    manifest = Manifest.from_dict(case["manifest"])
    assert manifest.manifest_hash().hex() == case["manifest_hash"]
    assert ("expected" in case) != bool(case.get("refused"))
    if "expected" in case:
        assert record_hash("result", case["expected"]).hex() == case["results_hash"]
        assert case["expected"]["manifest_hash"] == case["manifest_hash"]


@pytest.mark.parametrize("name", sorted(OFFICIAL_SEATS))
def test_the_official_elections_get_their_official_seats(name: str) -> None:
    case = next(c for c in DOCUMENT["cases"] if c["name"] == name)
    (contest,) = case["expected"]["contests"]
    assert [p["seats"] for p in contest["parties"]] == OFFICIAL_SEATS[name]


def test_every_contest_kind_and_outcome_is_covered() -> None:
    contests = [c for case in DOCUMENT["cases"] if "expected" in case for c in case["expected"]["contests"]]
    assert {c["kind"] for c in contests} == {
        "presidential",
        "referendum_question",
        "single_member_district",
        "parliament_district",
        "party_list",
        "reserved_women_district",
    }
    assert {c["outcome"] for c in contests} == {
        "elected",
        "runoff_needed",
        "repeat_election",
        "failed",
        "not_held",
        "passed",
        "rejected",
    }
    applied = {code for c in contests for code in c["applied"]}
    assert {
        "gender_cap_skip",
        "seat_cap",
        "remainder_tie_votes_then_ballot_order",
        "women_shortfall",
        "regional_threshold_over_published_regions",
        "women_reserved_shortfall",
        "list_exhausted",
        "cancelled_share_repeat",
        "runoff_tie_earlier_registration",
        "seats_unallocated",
    } <= applied

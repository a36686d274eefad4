"""The fixture presets: sizes from the issue, determinism, a valid manifest each."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from elections.errors import UnknownIdError
from elections.manifest import Manifest
from elections.presets import PRESET_NAMES, build_preset


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_is_deterministic_and_round_trips(name: str) -> None:
    m = build_preset(name)
    assert build_preset(name).manifest_hash() == m.manifest_hash()
    assert Manifest.from_json(json.dumps(m.to_canonical_dict())).manifest_hash() == m.manifest_hash()
    assert {s.region_id for s in m.ballot_styles} <= {r.region_id for r in m.regions}


def test_seed_label_changes_names_not_structure() -> None:
    a, b = build_preset("parliament-2025"), build_preset("parliament-2025", seed_label="other")
    assert a.manifest_hash() != b.manifest_hash()
    assert [c.candidate_id for c in a.candidates] == [c.candidate_id for c in b.candidates]


def test_unknown_preset() -> None:
    with pytest.raises(UnknownIdError):
        build_preset("monarchy")


def test_parliament_2021_sizes() -> None:
    m = build_preset("parliament-2021")
    assert len(m.parties) == 21
    assert all(len(m.party_list(p.party_id)) == 54 for p in m.parties)
    assert len(m.contest("party-list").selections) == 1156
    assert sum(c.kind == "single_member_district" for c in m.contests) == 36
    assert len(m.regions) == 10
    assert m.rules.party_list is not None and len(m.rules.party_list.regional_threshold_region_ids) == 9


def test_parliament_2025_sizes_and_genders() -> None:
    m = build_preset("parliament-2025")
    assert len(m.contests) == 30 and all(c.seats == 3 for c in m.contests)
    for contest in m.contests:
        genders = Counter(m.candidate(s.candidate_id).gender for s in contest.selections if s.candidate_id)
        assert genders["female"] > 0 and genders["male"] > 0


def test_president_has_17_candidates_and_against_all() -> None:
    contest = build_preset("president").contest("president")
    assert len(contest.selections) == 18 and contest.selections[-1].kind == "against_all"


def test_names_are_in_three_languages() -> None:
    c = build_preset("village").candidates[0]
    assert c.name.ky and c.name.ru and c.name.en.isascii()

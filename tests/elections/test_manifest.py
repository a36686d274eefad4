"""Manifest model: strict validation, cross-references, canonical hash."""

from __future__ import annotations

import json
from typing import Any

import pytest

from elections.errors import ManifestError, UnknownIdError
from elections.manifest import Manifest


def _text(s: str) -> dict[str, str]:
    return {"ky": s, "ru": s, "en": s}


def tiny_manifest() -> dict[str, Any]:
    """A one-district presidential manifest with two candidates and "against all"."""
    return {
        "spec_version": "shailoo-manifest/1",
        "election_id": "tiny-2026",
        "kind": "president",
        "name": _text("Tiny"),
        "dates": {
            "election_day": "2026-01-10",
            "voting_opens": "2026-01-10T02:00:00Z",
            "voting_closes": "2026-01-10T14:00:00Z",
        },
        "policy": {"revoting_allowed": True, "challenge_allowed": True, "channels_open": ["app", "kiosk"]},
        "regions": [{"region_id": "bishkek", "name": _text("Bishkek")}],
        "districts": [{"district_id": "nation", "name": _text("Nation")}],
        "precincts": [
            {"precinct_id": "p1", "name": _text("School 1"), "district_id": "nation", "region_id": "bishkek"}
        ],
        "candidates": [
            {"candidate_id": "c1", "name": _text("A"), "gender": "female", "registered_at": "2025-11-01T09:00:00Z"},
            {"candidate_id": "c2", "name": _text("B"), "gender": "male", "registered_at": "2025-11-02T09:00:00Z"},
        ],
        "contests": [
            {
                "contest_id": "president",
                "kind": "presidential",
                "name": _text("President"),
                "selections": [
                    {"selection_id": "c1", "kind": "candidate", "candidate_id": "c1"},
                    {"selection_id": "c2", "kind": "candidate", "candidate_id": "c2"},
                    {"selection_id": "against_all", "kind": "against_all"},
                ],
            }
        ],
        "ballot_styles": [
            {"style_id": "s1", "region_id": "bishkek", "district_ids": ["nation"], "contest_ids": ["president"]}
        ],
        "rules": {"president": {}},
    }


def test_round_trip_and_hash_is_stable() -> None:
    m = Manifest.from_dict(tiny_manifest())
    again = Manifest.from_json(json.dumps(m.to_canonical_dict()))
    assert again == m
    assert again.manifest_hash() == m.manifest_hash()
    assert len(m.manifest_hash()) == 32
    assert m.contest("president").selection_index("against_all") == 2
    assert m.ballot_style_for_district("nation").style_id == "s1"


def test_hash_changes_with_any_field() -> None:
    data = tiny_manifest()
    base = Manifest.from_dict(data).manifest_hash()
    data["candidates"][1]["gender"] = "female"
    assert Manifest.from_dict(data).manifest_hash() != base


def test_unknown_field_is_refused() -> None:
    data = tiny_manifest()
    data["contests"][0]["secret_extra"] = 1
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("contests", 0, "selections", 0, "candidate_id"), "ghost"),
        (("ballot_styles", 0, "contest_ids"), ["president", "ghost"]),
        (("ballot_styles", 0, "region_id"), "mars"),
        (("precincts", 0, "district_id"), "ghost"),
        (("contests", 0, "max_marks"), 2),
        (("contests", 0, "min_marks"), 2),
        (("policy", "channels_open"), ["kiosk", "app"]),
        (("rules",), {}),
        (("candidates", 1, "candidate_id"), "c1"),
        (("dates", "voting_closes"), "2026-01-10T01:00:00Z"),
    ],
)
def test_inconsistent_manifest_is_refused(path: tuple[Any, ...], value: Any) -> None:
    data = tiny_manifest()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_not_json_is_refused() -> None:
    with pytest.raises(ManifestError):
        Manifest.from_json(b"\xff{")
    with pytest.raises(ManifestError):
        Manifest.from_json("[]")


def test_unknown_lookups_raise() -> None:
    m = Manifest.from_dict(tiny_manifest())
    with pytest.raises(UnknownIdError):
        m.contest("nope")
    with pytest.raises(UnknownIdError):
        m.ballot_style("nope")
    with pytest.raises(UnknownIdError):
        m.contest("president").selection_index("nope")


def test_deregistration_amends_the_manifest() -> None:
    m = Manifest.from_dict(tiny_manifest())
    amended = m.with_deregistered(["c2"])
    assert amended.candidate("c2").status == "deregistered"
    assert m.candidate("c2").status == "registered"
    assert amended.manifest_hash() != m.manifest_hash()
    with pytest.raises(UnknownIdError):
        m.with_deregistered(["ghost"])


def _jk2021() -> dict[str, Any]:
    from elections.presets import build_preset

    return build_preset("parliament-2021").to_canonical_dict()


def _list_selection(data: dict[str, Any], selection_id: str) -> dict[str, Any]:
    contest = data["contests"][0]
    return next(s for s in contest["selections"] if s["selection_id"] == selection_id)


def test_preference_for_a_position_nobody_holds_is_refused() -> None:
    data = _jk2021()
    _list_selection(data, "p01#54")["list_position"] = 55
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_preference_for_a_party_without_a_party_box_is_refused() -> None:
    data = _jk2021()
    data["contests"][0]["selections"] = [s for s in data["contests"][0]["selections"] if s["selection_id"] != "p02"]
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_candidate_of_another_district_smuggled_into_a_contest_is_refused() -> None:
    data = _jk2021()
    smd = data["contests"][1]
    other = data["contests"][2]["selections"][0]
    smd["selections"].insert(0, other)
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_second_against_all_is_refused() -> None:
    data = _jk2021()
    data["contests"][1]["selections"].append({**data["contests"][1]["selections"][-1], "selection_id": "aa2"})
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_two_marks_on_a_one_mark_contest_kind_is_refused() -> None:
    data = _jk2021()
    data["contests"][0]["max_marks"] = 2
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_list_positions_with_a_gap_are_refused() -> None:
    data = _jk2021()
    data["candidates"][3]["list_position"] = 99
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_selection_with_fields_of_another_kind_is_refused() -> None:
    data = _jk2021()
    _list_selection(data, "p01")["candidate_id"] = data["candidates"][0]["candidate_id"]
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_style_with_a_contest_of_a_district_its_voters_are_not_in_is_refused() -> None:
    data = _jk2021()
    data["ballot_styles"][0]["contest_ids"].append(data["contests"][2]["contest_id"])
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_unknown_regional_threshold_region_is_refused() -> None:
    data = _jk2021()
    data["rules"]["party_list"]["regional_threshold_region_ids"].append("atlantis")
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)

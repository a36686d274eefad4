"""Precinct places: validation, the manifest hash kept without places, point-in-boundary (with holes), nearest,
address search, GeoJSON."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from elections.errors import ManifestError, UnknownIdError
from elections.geo import PrecinctPlace, find_by_point, find_by_text, in_boundary, microdegrees, to_geojson
from elections.manifest import Manifest
from elections.presets import build_preset
from tests.elections.places import CENTRES, sample_places, square


@pytest.fixture(scope="module")
def placed() -> Manifest:
    base = build_preset("president")
    return base.with_places(sample_places(base))


def _pos(lon: float, lat: float) -> tuple[int, int]:
    return microdegrees(lon), microdegrees(lat)


def test_manifest_without_places_keeps_its_hash_and_places_change_it(placed: Manifest) -> None:
    base = build_preset("president")
    assert "place" not in base.to_canonical_dict()["precincts"][0]
    assert placed.manifest_hash() != base.manifest_hash()
    assert Manifest.from_dict(placed.to_canonical_dict()).manifest_hash() == placed.manifest_hash()


def test_point_inside_a_boundary_finds_that_precinct_first(placed: Manifest) -> None:
    lon, lat = CENTRES["naryn"]
    found = find_by_point(placed, _pos(lon + 0.11, lat + 0.05))
    assert found[0].how == "inside" and found[0].precinct.region_id == "naryn"
    assert [f.how for f in found[1:]] == ["nearest", "nearest"]


def test_point_outside_every_boundary_gets_the_nearest(placed: Manifest) -> None:
    lon, lat = CENTRES["talas"]
    found = find_by_point(placed, _pos(lon - 0.5, lat))
    assert found[0].how == "nearest" and found[0].precinct.region_id == "talas"
    assert found[0].distance_m is not None and 30_000 < found[0].distance_m < 40_000


def test_a_hole_is_outside() -> None:
    outer = square(74.0, 42.0, 0.5)[0]
    hole = square(74.0, 42.0, 0.1)[0]
    place = PrecinctPlace(location=_pos(74.3, 42.3), boundary=(outer, hole))
    assert in_boundary(place, _pos(74.3, 42.3))
    assert not in_boundary(place, _pos(74.0, 42.0))


def test_address_search_in_any_language(placed: Manifest) -> None:
    for query in ("проспект Чуй", "chui AVENUE 100", "Чүй проспекти"):
        found = find_by_text(placed, query)
        assert len(found) == 1 and found[0].precinct.region_id == "bishkek", query
    assert find_by_text(placed, "no such street") == []
    assert find_by_text(placed, "   ") == []


@pytest.mark.parametrize(
    "bad",
    [
        {"location": (200_000_000, 0)},
        {"location": (0, 0), "boundary": ((((0, 0), (1, 0), (1, 1), (0, 1)),))},
        {"location": (0, 0), "boundary": (((0, 0), (1, 0), (0, 0)),)},
        {"location": (0, 0), "address": {"ky": "a", "ru": "b"}},
        {"location": (0.5, 0)},
    ],
)
def test_bad_places_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PrecinctPlace.model_validate(bad)


def test_bad_place_in_a_manifest_is_invalid_manifest(placed: Manifest) -> None:
    data = placed.to_canonical_dict()
    data["precincts"][0]["place"]["location"] = [0, 100_000_000]
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)
    with pytest.raises(UnknownIdError):
        placed.with_places({"nowhere": PrecinctPlace(location=(0, 0))})


def test_geojson_is_in_decimal_degrees(placed: Manifest) -> None:
    collection = to_geojson(placed.precincts, {"pr0001": {"ballots": 3}})
    first = collection["features"][0]
    assert first["geometry"]["type"] == "Polygon"
    lon, lat = first["geometry"]["coordinates"][0][0]
    assert 69 < lon < 81 and 39 < lat < 44
    assert first["properties"]["ballots"] == 3
    assert len(collection["features"]) == sum(1 for p in placed.precincts if p.place is not None)

"""The region map's shipped outlines (provenance, one shape per preset region, the name table) and its SVG (one
path per region, shade ordering, suppressed regions hatched)."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest

from elections.presets import PRESET_NAMES, REGIONS, build_preset
from observer.dashboard.regionmap import (
    SOURCE_REGION_IDS,
    UNMAPPED,
    OutlineDataError,
    RegionFigure,
    load_outlines,
    parse_outlines,
    region_map,
    shade,
)


def _raw() -> dict[str, Any]:
    text = resources.files("observer.dashboard").joinpath("data/kg_regions.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_the_outline_file_states_its_source_licence_and_simplification() -> None:
    data = _raw()
    assert "Natural Earth" in data["source"] and "ne_10m_admin_1_states_provinces" in data["source"]
    assert "public domain" in data["licence"]
    assert "Douglas-Peucker" in data["simplification"]
    readme = resources.files("observer.dashboard").joinpath("data/README.md").read_text(encoding="utf-8")
    assert "public domain" in readme and "MIT License" in readme


@pytest.mark.parametrize("field", ["source", "licence", "simplification"])
def test_an_outline_file_without_a_provenance_field_is_refused(field: str) -> None:
    data = _raw()
    del data[field]
    with pytest.raises(OutlineDataError, match=field):
        parse_outlines(data)


def test_an_unknown_source_region_name_is_refused() -> None:
    data = _raw()
    data["regions"][0]["source_name"] = "Atlantis"
    with pytest.raises(OutlineDataError, match="Atlantis"):
        parse_outlines(data)


def test_a_coordinate_outside_kyrgyzstan_is_refused() -> None:
    data = _raw()
    data["regions"][0]["rings"][0][0] = [-10.0, 51.0]
    with pytest.raises(OutlineDataError, match="out of range"):
        parse_outlines(data)


def test_the_file_is_small_and_each_region_has_a_few_hundred_points_at_most() -> None:
    raw = resources.files("observer.dashboard").joinpath("data/kg_regions.json").read_bytes()
    assert len(raw) < 60_000
    for rings in load_outlines().shapes.values():
        assert sum(len(ring) for ring in rings) <= 400


def test_the_name_table_covers_every_source_feature_once() -> None:
    names = [r["source_name"] for r in _raw()["regions"]]
    assert sorted(names) == sorted(SOURCE_REGION_IDS)
    assert len(set(SOURCE_REGION_IDS.values())) == len(SOURCE_REGION_IDS)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_preset_region_has_a_shape_on_the_map(preset: str) -> None:
    outlines = load_outlines()
    drawn = set(outlines.shapes) | set(outlines.points)
    for region in build_preset(preset).regions:
        assert region.region_id in drawn or region.region_id in UNMAPPED, region.region_id
    assert drawn == {rid for rid, *_ in REGIONS} - UNMAPPED


def _figures(shares: dict[str, tuple[int, int]], suppressed: frozenset[str] = frozenset()) -> list[RegionFigure]:
    return [
        RegionFigure(rid, en, *shares.get(rid, (0, 0)), suppressed=rid in suppressed)
        for rid, _ky, _ru, en in REGIONS
        if rid not in UNMAPPED
    ]


def _fills(svg: str) -> dict[str, str]:
    return dict(re.findall(r'<(?:path|circle) id="r-([a-z-]+)"[^>]*? fill="([^"]+)"', svg))


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_one_path_per_outlined_region_and_one_symbol_for_osh_city() -> None:
    svg = region_map(_figures({}), title="T", desc="D", suppressed_label="s")
    paths = re.findall(r'<path id="r-([a-z-]+)"', svg)
    assert sorted(paths) == sorted(SOURCE_REGION_IDS.values())
    assert re.findall(r'<circle id="r-([a-z-]+)"', svg) == ["osh-city"]
    assert '<title id="region-map-title">T</title><desc id="region-map-desc">D</desc>' in svg
    assert 'aria-labelledby="region-map-title region-map-desc"' in svg


def test_a_higher_share_of_registered_voters_is_a_darker_shade() -> None:
    shares = {rid: (10 * i, 100) for i, (rid, *_) in enumerate(REGIONS) if rid not in UNMAPPED}
    fills = _fills(region_map(_figures(shares), title="T", desc="D", suppressed_label="s"))
    by_share = sorted(shares, key=lambda rid: shares[rid][0])
    lum = [_luminance(fills[rid]) for rid in by_share]
    assert lum == sorted(lum, reverse=True) and len(set(lum)) == len(lum)
    assert _luminance(shade(0.0)) > _luminance(shade(0.5)) > _luminance(shade(1.0))


def test_suppressed_regions_are_hatched_and_regions_without_a_register_are_grey() -> None:
    shares = {"naryn": (50, 100), "talas": (5, 100)}
    svg = region_map(_figures(shares, frozenset({"talas"})), title="T", desc="D", suppressed_label="hidden")
    fills = _fills(svg)
    assert fills["talas"] == "url(#suppressed)" and '<pattern id="suppressed"' in svg
    assert re.search(r'<path id="r-talas"[^>]*class="suppressed"', svg)
    assert "<title>Talas Region: 5.0% (hidden)</title>" in svg
    assert fills["batken"] == "#f2f2f2"  # nobody registered: no share to shade
    assert fills["naryn"] == shade(0.5)


def test_names_are_escaped_in_the_svg() -> None:
    figures = [RegionFigure("naryn", "<b>&", 1, 2)]
    svg = region_map(figures, title="<T>", desc="D", suppressed_label="s")
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "&lt;T&gt;" in svg


def test_the_city_symbol_is_drawn_after_every_outline() -> None:
    """SVG paints in document order: Osh city's symbol must come after Osh Region's outline or it is hidden."""
    svg = region_map(list(reversed(_figures({}))), title="T", desc="D", suppressed_label="s")
    assert svg.index('<circle id="r-osh-city"') > max(m.start() for m in re.finditer("<path ", svg))

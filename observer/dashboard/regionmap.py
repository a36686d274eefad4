"""The region map: Kyrgyzstan's first-level regions drawn as inline SVG (no JavaScript, no tile server), each shaded
by turnout as a share of its registered voters, from outlines shipped as data (``data/kg_regions.json``: Natural
Earth's admin-1 layer, public domain, simplified; provenance in the file and in ``data/README.md``).

The outlines are keyed by the source's region names; `SOURCE_REGION_IDS` maps them to the region ids of the presets
(`elections.presets.REGIONS`). Osh city has no outline in the source (it lies inside Osh Region there), so it is
drawn as a city symbol at its location; "abroad" has no place on a map and appears in the table only.

Projection as `observer.dashboard.mapsvg`: equirectangular around the mean latitude, fitted to the view box.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources

#: Natural Earth's name of each Kyrgyz admin-1 feature → the preset's region id.
SOURCE_REGION_IDS: dict[str, str] = {
    "Batken": "batken",
    "Bishkek": "bishkek",
    "Chuy": "chuy",
    "Jalal-Abad": "jalal-abad",
    "Naryn": "naryn",
    "Osh": "osh-region",
    "Talas": "talas",
    "Ysyk-Köl": "issyk-kul",
}
#: Regions with no place on the map (listed in the table beside it).
UNMAPPED = frozenset({"abroad"})

WIDTH, HEIGHT, MARGIN = 900, 470, 14
NO_DATA = "#f2f2f2"
SUPPRESSED_PATTERN = "url(#suppressed)"

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Outlines:
    source: str
    licence: str
    simplification: str
    #: region id → rings (outer rings and holes, drawn with the even-odd rule), (longitude, latitude) in degrees.
    shapes: dict[str, tuple[Ring, ...]]
    #: region id → (longitude, latitude) of a city drawn as a symbol.
    points: dict[str, tuple[float, float]]


class OutlineDataError(ValueError):
    """The shipped outline file does not read as expected (a packaging error, never the visitor's input)."""


def parse_outlines(data: dict[str, object]) -> Outlines:
    """The outlines of ``data`` (the JSON of ``kg_regions.json``); `OutlineDataError` if a provenance field is
    missing, a source name is not in `SOURCE_REGION_IDS`, or a coordinate is not a number within Kyrgyzstan's
    surroundings."""
    for field in ("source", "licence", "simplification"):
        if not isinstance(data.get(field), str) or not data[field]:
            raise OutlineDataError(f"the outline file has no {field!r}")

    def lonlat(value: object) -> tuple[float, float]:
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value)):
            raise OutlineDataError(f"not a coordinate pair: {value!r}")
        lon, lat = float(value[0]), float(value[1])
        if not (60 <= lon <= 90 and 35 <= lat <= 48):
            raise OutlineDataError(f"coordinate out of range: {value!r}")
        return lon, lat

    shapes: dict[str, tuple[Ring, ...]] = {}
    regions = data.get("regions")
    if not isinstance(regions, list):
        raise OutlineDataError("the outline file has no regions")
    for region in regions:
        name = region.get("source_name") if isinstance(region, dict) else None
        if name not in SOURCE_REGION_IDS:
            raise OutlineDataError(f"no region id for the source's region {name!r}")
        rings = tuple(tuple(lonlat(p) for p in ring) for ring in region["rings"])
        if not rings or any(len(ring) < 3 for ring in rings):
            raise OutlineDataError(f"region {name!r} has a ring of fewer than 3 points")
        shapes[SOURCE_REGION_IDS[name]] = rings
    points_data = data.get("points", {})
    if not isinstance(points_data, dict):
        raise OutlineDataError("points must be an object")
    points = {str(rid): lonlat(p["lonlat"]) for rid, p in points_data.items()}
    return Outlines(str(data["source"]), str(data["licence"]), str(data["simplification"]), shapes, points)


@cache
def load_outlines() -> Outlines:
    """The outlines shipped in the package (read once)."""
    text = resources.files("observer.dashboard").joinpath("data/kg_regions.json").read_text(encoding="utf-8")
    return parse_outlines(json.loads(text))


def shade(share: float) -> str:
    """A colour from pale (0 % of registered voters voted) to dark blue (100 %); darker means a higher share."""
    s = max(0.0, min(1.0, share))
    light, dark = (232, 240, 250), (8, 48, 107)
    r, g, b = (round(a + (z - a) * s) for a, z in zip(light, dark, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass(frozen=True)
class RegionFigure:
    region_id: str
    name: str
    voters: int
    registered: int
    #: Region left out of published counts (fewer than min_cell_ballots counted ballots): drawn hatched.
    suppressed: bool = False

    @property
    def share(self) -> float | None:
        return self.voters / self.registered if self.registered else None

    @property
    def percent(self) -> str:
        share = self.share
        return "—" if share is None else f"{100 * share:.1f}%"


def _centroid(ring: Ring) -> tuple[float, float]:
    """Area centroid of a ring (its vertex mean if the ring has no area)."""
    a = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(a) < 1e-12:
        return sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    return cx / (3 * a), cy / (3 * a)


def region_map(
    figures: Sequence[RegionFigure],
    *,
    title: str,
    desc: str,
    suppressed_label: str,
    outlines: Outlines | None = None,
) -> str:
    """The SVG text: one ``<path id="r-…">`` per region with an outline, one ``<circle>`` per city symbol, each
    with ``<title>`` (name and share) and ``data-share``; suppressed regions hatched, regions without a share
    pale grey. Figures for regions with no shape (abroad) are left to the table beside the map."""
    out = outlines or load_outlines()
    every = [p for rings in out.shapes.values() for ring in rings for p in ring] + list(out.points.values())
    lons = [p[0] for p in every]
    lats = [p[1] for p in every]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    x0, x1 = min(lons) * k, max(lons) * k
    y0, y1 = -max(lats), -min(lats)
    scale = min((WIDTH - 2 * MARGIN) / (x1 - x0), (HEIGHT - 2 * MARGIN) / (y1 - y0))

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return MARGIN + (lon * k - x0) * scale, MARGIN + (-lat - y0) * scale

    def fill(f: RegionFigure) -> str:
        if f.suppressed:
            return SUPPRESSED_PATTERN
        return NO_DATA if f.share is None else shade(f.share)

    shapes, symbols, labels = [], [], []  # symbols after every path, so no outline covers a city
    for f in figures:
        tip = f"{f.name}: {f.percent}" + (f" ({suppressed_label})" if f.suppressed else "")
        attrs = (
            f'id="r-{escape(f.region_id)}" data-share="{"" if f.share is None else f"{f.share:.4f}"}"'
            f'{" class=" + chr(34) + "suppressed" + chr(34) if f.suppressed else ""} fill="{fill(f)}"'
        )
        if f.region_id in out.shapes:
            rings = out.shapes[f.region_id]
            d = " ".join(
                "M" + " L".join("{:.1f},{:.1f}".format(*xy(lon, lat)) for lon, lat in ring) + " Z" for ring in rings
            )
            shapes.append(
                f'<path {attrs} d="{d}" fill-rule="evenodd" stroke="#444" stroke-width="0.8">'
                f"<title>{escape(tip)}</title></path>"
            )
            if f.region_id != "bishkek":  # too small for a label inside; its name is in the title and the table
                lx, ly = xy(*_centroid(rings[0]))
                labels.append((lx, ly, f.name, "middle"))
            else:
                bx, by = xy(*_centroid(rings[0]))
                labels.append((bx + 12, by - 10, f.name, "start"))
        elif f.region_id in out.points:
            cx, cy = xy(*out.points[f.region_id])
            symbols.append(
                f'<circle {attrs} cx="{cx:.1f}" cy="{cy:.1f}" r="9" stroke="#111" stroke-width="1.5">'
                f"<title>{escape(tip)}</title></circle>"
            )
            labels.append((cx + 12, cy + 4, f.name, "start"))
    text = "".join(
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="13" fill="#111" stroke="#fff" '
        f'stroke-width="3" paint-order="stroke" aria-hidden="true">{escape(name)}</text>'
        for x, y, name, anchor in labels
    )
    legend = "".join(
        f'<rect x="{MARGIN + 40 * i}" y="{HEIGHT - 30}" width="40" height="12" fill="{shade(i / 4)}" stroke="#444" '
        f'stroke-width="0.5"/><text x="{MARGIN + 40 * i}" y="{HEIGHT - 6}" font-size="11" fill="#111" '
        f'aria-hidden="true">{25 * i}%</text>'
        for i in range(5)
    )
    pattern = (
        '<defs><pattern id="suppressed" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#ddd"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#777" stroke-width="3"/></pattern></defs>'
    )
    return (
        f'<svg id="region-map" role="img" aria-labelledby="region-map-title region-map-desc" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg" '
        f'style="max-width:100%;height:auto;background:#fff">'
        f'<title id="region-map-title">{escape(title)}</title><desc id="region-map-desc">{escape(desc)}</desc>'
        f"{pattern}{''.join(shapes)}{''.join(symbols)}{text}{legend}</svg>"
    )

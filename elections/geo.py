"""Precinct places (ГИСУИК): where each precinct is, its boundary, its address; "find my precinct" (docs/map.md).

Coordinates are integers in **microdegrees** (degrees × 10⁶, ``[longitude, latitude]`` as in GeoJSON), because the
manifest is hashed as RFC 8785 JSON on a board that refuses floats; `to_geojson` gives ordinary GeoJSON (RFC 7946,
decimal degrees) for maps and other tools. A boundary is a GeoJSON Polygon's ``coordinates``: rings of positions,
the first the outer boundary, each closed (first position = last) with at least four positions.

Pure: no I/O. `PrecinctPlace` is the manifest's optional ``place`` of a `elections.manifest.Precinct`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from elections.manifest import Manifest, Precinct

MICRO = 1_000_000
Position = tuple[int, int]
_EARTH_RADIUS_M = 6_371_000.0


def _check_position(p: Sequence[int]) -> None:
    if len(p) != 2:
        raise ValueError("a position is [longitude, latitude] in microdegrees")
    lon, lat = p
    if not (-180 * MICRO <= lon <= 180 * MICRO and -90 * MICRO <= lat <= 90 * MICRO):
        raise ValueError(f"position {list(p)} is outside [-180°, 180°] × [-90°, 90°] (microdegrees)")


class PrecinctPlace(BaseModel):
    """``location`` (a point, where voters go), ``boundary`` (polygon rings) and ``address`` (ky, ru, en)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    location: Position
    boundary: tuple[tuple[Position, ...], ...] | None = Field(default=None, min_length=1, max_length=16)
    address: dict[str, str] | None = None

    @model_validator(mode="after")
    def _check(self) -> PrecinctPlace:
        _check_position(self.location)
        for ring in self.boundary or ():
            if not 4 <= len(ring) <= 10_000:
                raise ValueError("a boundary ring has 4 to 10000 positions")
            if ring[0] != ring[-1]:
                raise ValueError("a boundary ring is closed: its first and last positions are equal")
            for p in ring:
                _check_position(p)
        address = self.address
        if address is not None and (
            set(address) != {"ky", "ru", "en"} or not all(0 < len(v) <= 300 for v in address.values())
        ):
            raise ValueError("an address is given in ky, ru and en, 1 to 300 characters each")
        return self


def degrees(value: int) -> float:
    return value / MICRO


def microdegrees(value: float) -> int:
    return round(value * MICRO)


def contains(ring: Sequence[Position], point: Position) -> bool:
    """Whether ``point`` is inside the closed ``ring`` (even-odd ray casting, in microdegrees)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


def in_boundary(place: PrecinctPlace, point: Position) -> bool:
    """Inside the outer ring and outside every hole."""
    if not place.boundary:
        return False
    outer, *holes = place.boundary
    return contains(outer, point) and not any(contains(h, point) for h in holes)


def distance_m(a: Position, b: Position) -> float:
    """Great-circle distance (haversine) between two positions, in metres."""
    lon1, lat1, lon2, lat2 = (math.radians(degrees(v)) for v in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Found:
    precinct: Precinct
    how: str  # "inside" (the point is within its boundary), "nearest", or "address"
    distance_m: float | None = None

    def to_json(self) -> dict[str, Any]:
        p = self.precinct
        return {
            "precinct_id": p.precinct_id,
            "name": p.name.model_dump(),
            "district_id": p.district_id,
            "region_id": p.region_id,
            "address": p.place.address if p.place else None,
            "location": [degrees(v) for v in p.place.location] if p.place else None,
            "how": self.how,
            "distance_m": None if self.distance_m is None else round(self.distance_m),
        }


def find_by_point(manifest: Manifest, point: Position, *, limit: int = 3) -> list[Found]:
    """The precinct whose boundary holds ``point`` (first), then the nearest by location, up to ``limit``."""
    _check_position(point)
    placed = [(p, p.place) for p in manifest.precincts if p.place is not None]
    inside = [Found(p, "inside", distance_m(point, place.location)) for p, place in placed if in_boundary(place, point)]
    taken = {f.precinct.precinct_id for f in inside}
    nearest = sorted(
        (Found(p, "nearest", distance_m(point, place.location)) for p, place in placed if p.precinct_id not in taken),
        key=lambda f: f.distance_m or 0.0,
    )
    return (inside + nearest)[:limit]


def _words(text: str) -> list[str]:
    cleaned = "".join(ch.lower() if ch.isalnum() else " " for ch in text)
    return [w for w in cleaned.split() if w]


def find_by_text(manifest: Manifest, query: str, *, limit: int = 10) -> list[Found]:
    """Precincts whose address or name (any language) holds every word of ``query``, best matches first."""
    words = _words(query)[:12]
    if not words:
        return []
    scored = []
    for p in manifest.precincts:
        texts = [p.name.ky, p.name.ru, p.name.en, p.precinct_id]
        if p.place is not None and p.place.address is not None:
            texts += list(p.place.address.values())
        haystack = " ".join(_words(" ".join(texts)))
        if all(w in haystack for w in words):
            exact = sum(1 for w in words if w in haystack.split())
            scored.append((-exact, p.precinct_id, p))
    return [Found(p, "address") for _, _, p in sorted(scored)[:limit]]


def to_geojson(precincts: Iterable[Precinct], properties: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (decimal degrees): each placed precinct's boundary (or its location)."""
    features = []
    for p in precincts:
        if p.place is None:
            continue
        if p.place.boundary:
            coordinates: Any = [[[degrees(x), degrees(y)] for x, y in ring] for ring in p.place.boundary]
            geometry = {"type": "Polygon", "coordinates": coordinates}
        else:
            geometry = {"type": "Point", "coordinates": [degrees(v) for v in p.place.location]}
        props = {
            "precinct_id": p.precinct_id,
            "name": p.name.model_dump(),
            "district_id": p.district_id,
            "region_id": p.region_id,
            "location": [degrees(v) for v in p.place.location],
            **((properties or {}).get(p.precinct_id, {})),
        }
        features.append({"type": "Feature", "id": p.precinct_id, "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}

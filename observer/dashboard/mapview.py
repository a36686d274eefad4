"""What the map page shows: ballots and the leading choice per precinct and per region, the SVG, and the precincts
"find my precinct" found (`elections.geo`)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from elections.geo import Found, find_by_point, find_by_text, microdegrees
from elections.presets import REGIONS
from observer.dashboard.i18n import translate
from observer.dashboard.mapsvg import precinct_map
from observer.dashboard.model import DashboardModel, selection_label
from observer.dashboard.regionmap import RegionFigure, load_outlines, region_map


def _leader(m: DashboardModel, counts: dict[str, list[int]], lang: str) -> str:
    """The leading selection of the first contest with counts (empty before the result)."""
    if m.manifest is None:
        return ""
    for contest in m.manifest.contests:
        row = counts.get(contest.contest_id)
        if row and max(row) > 0:
            best = max(range(len(row)), key=lambda i: (row[i], -i))
            return selection_label(m.manifest, contest.contest_id, contest.selections[best].selection_id, lang)
    return ""


def _coordinates(lat: str, lon: str) -> tuple[int, int] | None:
    """(longitude, latitude) in microdegrees from the form's text, or None if either does not read or is out of
    range."""
    try:
        la, lo = float(lat), float(lon)
    except ValueError:
        return None
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None
    return microdegrees(lo), microdegrees(la)


def _add(total: dict[str, list[int]], counts: dict[str, list[int]]) -> None:
    for contest_id, row in counts.items():
        acc = total.setdefault(contest_id, [0] * len(row))
        for i, n in enumerate(row):
            acc[i] += int(n)


def map_view(m: DashboardModel, lang: str, *, lat: float | None, lon: float | None, query: str) -> dict[str, Any]:
    if m.manifest is None:
        return {"svg": "", "precinct_rows": [], "region_rows": [], "found": [], "searched": False, "error": None}
    manifest = m.manifest
    decrypted: dict[str, dict[str, list[int]]] = (m.result or {}).get("counts_by_precinct", {})
    by_style: dict[str, dict[str, list[int]]] = (m.result or {}).get("counts_by_style", {})
    precinct_rows, ballots = [], {}
    regions: dict[str, dict[str, Any]] = {
        r.region_id: {"ballots": 0, "precincts": 0, "registered": 0, "counts": {}} for r in manifest.regions
    }
    for row in m.precinct_rows():
        p = row["precinct"]
        total = int(row["ballots"]) + int(row["read"])
        ballots[p.precinct_id] = total
        counts = decrypted.get(p.precinct_id, {})
        precinct_rows.append({"precinct": p, "ballots": total, "leading": _leader(m, counts, lang)})
        regions[p.region_id]["precincts"] += 1
        regions[p.region_id]["ballots"] += int(row["read"])  # paper ballots the urns read
    counted = m.counted_indices()
    style_region = {s.style_id: s.region_id for s in manifest.ballot_styles}
    for b in m.ballots:  # every counted electronic ballot, by its ballot style's region
        if b.index in counted and b.style_id in style_region:
            regions[style_region[b.style_id]]["ballots"] += 1
    for style_id, registered in m.registered_by_style().items():
        if style_id in style_region:
            regions[style_region[style_id]]["registered"] += registered
    for style_id, counts in by_style.items():
        if style_id in style_region:
            _add(regions[style_region[style_id]]["counts"], counts)
    region_rows = [
        {
            "name": getattr(manifest.region(rid).name, lang),
            "precincts": r["precincts"],
            "ballots": r["ballots"],
            "registered": r["registered"],
            "turnout": f"{100 * r['ballots'] / r['registered']:.1f}%" if r["registered"] else "—",
            "leading": _leader(m, r["counts"], lang),
        }
        for rid, r in regions.items()
    ]
    found: list[Found] = []
    error = None
    searched = bool(lat or lon or query.strip())
    if lat or lon:
        point = _coordinates(lat, lon)
        if point is None:
            error = translate("bad_coordinates", lang)
        else:
            found = find_by_point(manifest, point)
    elif query.strip():
        found = find_by_text(manifest, query)
    labels = {
        r["precinct"].precinct_id: f"{getattr(r['precinct'].name, lang)}: {r['ballots']} {r['leading']}".strip()
        for r in precinct_rows
    }
    svg = precinct_map(
        manifest.precincts,
        ballots,
        labels=labels,
        highlight=[f.precinct.precinct_id for f in found],
        title=translate("map", lang),
    )
    return {
        "svg": Markup(svg),  # noqa: S704 - built from escaped parts (mapsvg escapes every text)
        "precinct_rows": precinct_rows,
        "region_rows": region_rows,
        "found": found,
        "searched": searched,
        "error": error,
        "lat": lat,
        "lon": lon,
        "query": query,
    }


def _suppressed_regions(m: DashboardModel) -> set[str]:
    """Regions any contest's published result names as suppressed (fewer than ``min_cell_ballots`` counted
    ballots: no counts of their own, docs/spec/results.md "Suppressed regions")."""
    contests = ((m.result or {}).get("results") or {}).get("contests") or []
    return {str(rid) for c in contests if isinstance(c, dict) for rid in (c.get("suppressed_regions") or {})}


def region_turnout_view(m: DashboardModel, lang: str) -> dict[str, Any]:
    """Turnout as a share of registered voters by region: the region map (SVG) and the rows of the table beside
    it (the same figures). Voters are credentials with a ballot on the board (a re-vote counts once); registered
    voters come from the registrar's ``register_counts``. Empty when the manifest has none of the mapped
    regions."""
    if m.manifest is None:
        return {"region_svg": "", "region_figures": []}
    manifest = m.manifest
    outlines = load_outlines()
    mapped = set(outlines.shapes) | set(outlines.points)
    if not mapped & {r.region_id for r in manifest.regions}:
        return {"region_svg": "", "region_figures": []}
    style_region = {s.style_id: s.region_id for s in manifest.ballot_styles}
    voters: dict[str, set[bytes]] = {}
    for b in m.ballots:
        if b.style_id in style_region:
            voters.setdefault(style_region[b.style_id], set()).add(b.credential_key)
    registered = m.registered_by_region()
    suppressed = _suppressed_regions(m)
    figures = [
        RegionFigure(
            region_id=r.region_id,
            name=str(getattr(r.name, lang)),
            voters=len(voters.get(r.region_id, ())),
            registered=registered.get(r.region_id, 0),
            suppressed=r.region_id in suppressed,
        )
        for r in manifest.regions
    ]
    # Mapped regions this election does not hold are drawn blank, named from the presets' table.
    present = {f.region_id for f in figures}
    names = {rid: {"ky": ky, "ru": ru, "en": en} for rid, ky, ru, en in REGIONS}
    blank = [
        RegionFigure(region_id=rid, name=names.get(rid, {}).get(lang, rid), voters=0, registered=0)
        for rid in sorted(mapped - present)
    ]
    svg = region_map(
        figures + blank,
        title=translate("region_map", lang),
        desc=translate("region_map_desc", lang),
        suppressed_label=translate("suppressed_cell", lang),
        outlines=outlines,
    )
    return {
        "region_svg": Markup(svg),  # noqa: S704 - built from escaped parts (regionmap escapes every text)
        "region_figures": figures,
        "region_source": outlines.source,
    }

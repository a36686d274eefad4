"""Charts drawn on the server as SVG text: seat hemicycles, vote bars and turnout lines (no JavaScript)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Final

PALETTE: Final = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def seat_positions(seats: int) -> list[tuple[float, float]]:
    """Seat centres on concentric half circles (unit radius 1), ordered left to right by angle."""
    if seats <= 0:
        return []
    rows = max(1, round(math.sqrt(seats / 4)))
    radii = [0.45 + 0.55 * (r + 0.5) / rows for r in range(rows)]
    weights = sum(radii)
    per_row = [max(1, round(seats * r / weights)) for r in radii]
    per_row[-1] += seats - sum(per_row)
    points: list[tuple[float, float, float]] = []
    for radius, count in zip(radii, per_row, strict=True):
        for i in range(count):
            angle = math.pi * (i + 0.5) / count if count > 1 else math.pi / 2
            points.append((angle, radius * math.cos(angle), radius * math.sin(angle)))
    points.sort(key=lambda p: -p[0])
    return [(x, y) for _, x, y in points]


def hemicycle(parties: Sequence[tuple[str, int]], *, title: str) -> str:
    """A parliament chart: one dot per seat, coloured by party in the given order."""
    total = sum(n for _, n in parties)
    width, height = 420, 240
    cx, cy, scale = width / 2, height - 20, 190
    dot = max(2.5, min(10.0, 190 / math.sqrt(max(total, 1)) / 2.2))
    owners = [i for i, (_, n) in enumerate(parties) for _ in range(n)]
    circles = [
        f'<circle cx="{cx + x * scale:.1f}" cy="{cy - y * scale:.1f}" r="{dot:.1f}" fill="{color(owners[k])}"/>'
        for k, (x, y) in enumerate(seat_positions(total))
    ]
    shown = [(i, name, n) for i, (name, n) in enumerate(parties) if n]
    legend = [  # below the arc, two columns, so it never covers a seat
        f'<text x="{8 + 210 * (k % 2)}" y="{height + 16 + 16 * (k // 2)}" font-size="12" fill="{color(i)}">'
        f"■ {escape(name[:28])}: {n}</text>"
        for k, (i, name, n) in enumerate(shown)
    ]
    full = height + 8 + 16 * ((len(shown) + 1) // 2)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {full}" width="{width}" '
        f'height="{full}"><title>{escape(title)}</title>{"".join(circles)}{"".join(legend)}'
        f'<text x="{cx}" y="{cy}" text-anchor="middle" font-size="20">{total}</text></svg>'
    )


def vote_bars(rows: Sequence[tuple[str, int, bool]], *, title: str) -> str:
    """Horizontal bars of votes; elected rows in bold with a mark."""
    top = max((v for _, v, _ in rows), default=0) or 1
    bar_h, width, label_w = 18, 520, 200
    parts = []
    for i, (label, votes, elected) in enumerate(rows):
        y = 6 + i * (bar_h + 4)
        w = (width - label_w - 60) * votes / top
        weight = ' font-weight="bold"' if elected else ""
        mark = " ✓" if elected else ""
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="12"{weight}>'
            f"{escape(label[:32])}{mark}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color(i)}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="12">{votes}</text>'
        )
    height = 12 + len(rows) * (bar_h + 4)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )


def turnout_line(times: Sequence[str], totals: Sequence[int], *, title: str) -> str:
    """Cumulative voters over the day."""
    width, height, pad = 520, 180, 30
    top = max(totals, default=0) or 1
    n = max(len(totals) - 1, 1)
    points = " ".join(
        f"{pad + (width - 2 * pad) * i / n:.1f},{height - pad - (height - 2 * pad) * v / top:.1f}"
        for i, v in enumerate(totals)
    )
    labels = "".join(
        f'<text x="{pad + (width - 2 * pad) * i / n:.1f}" y="{height - 8}" font-size="10" text-anchor="middle">'
        f"{escape(t)}</text>"
        for i, t in enumerate(times)
        if i % max(1, len(times) // 6) == 0
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><title>{escape(title)}</title>'
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{points}"/>{labels}'
        f'<text x="{pad}" y="14" font-size="11">{top}</text></svg>'
    )

"""A board with only the 2021 parliament's manifest and a computed result (no ballots): enough for the results
page, built in a second from the rules engine instead of a full encrypted election of 1,156 list selections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bulletin_board.checkpoint import SignedTreeHead
from elections.manifest import Manifest
from elections.presets import build_preset
from elections.results import compute_results_by_style
from elections.results_model import Turnout
from observer.dashboard.readers import BoardEntry, WitnessMark


def _tally(manifest: Manifest) -> dict[str, dict[str, list[int]]]:
    """Per style: party p gets (22 - p)² list votes, a few preference votes per candidate, 30 against all."""
    contest = manifest.contest("party-list")
    tally = {}
    for n, style in enumerate(manifest.ballot_styles):
        vector = []
        for s in contest.selections:
            party = int(s.party_id[1:]) if s.party_id else 0
            if s.kind == "party":
                vector.append((22 - party) ** 2)
            elif s.kind == "party_preference":
                vector.append((party * (s.list_position or 0) + n) % 5)
            else:
                vector.append(30)
        counts = {"party-list": vector}
        for cid in style.contest_ids[1:]:
            smd = manifest.contest(cid)
            counts[cid] = [(i * 37 + n) % 90 for i in range(len(smd.selections) - 1)] + [20]
        tally[style.style_id] = counts
    return tally


def _turnout(manifest: Manifest, tally: dict[str, dict[str, list[int]]]) -> Turnout:
    took: dict[str, dict[str, int]] = {}
    for style_id, per_contest in tally.items():
        region = manifest.ballot_style(style_id).region_id
        for cid, vector in per_contest.items():
            took.setdefault(cid, {}).setdefault(region, 0)
            took[cid][region] += sum(vector)

    def figures(n: int) -> dict[str, int]:
        return {"registered": 3 * n, "took_part": n, "invalid": 0}

    return Turnout.model_validate(
        {
            "contests": {
                cid: {**figures(sum(regions.values())), "by_region": {r: figures(n) for r, n in regions.items()}}
                for cid, regions in took.items()
            }
        }
    )


class Results2021Reader:
    """A `BoardReader` of two entries: the 2021 manifest and its result."""

    def __init__(self) -> None:
        self.manifest = build_preset("parliament-2021")
        tally = _tally(self.manifest)
        results = compute_results_by_style(self.manifest, tally, _turnout(self.manifest, tally))
        self.payloads: list[tuple[str, dict[str, Any]]] = [
            ("manifest", {"manifest": self.manifest.to_canonical_dict()}),
            ("result", {"results": results.to_canonical_dict()}),
        ]
        self.results = results

    @property
    def origin(self) -> str:
        return "test/results-2021"

    def size(self) -> int:
        return len(self.payloads)

    def iter_entries(self, start: int, end: int) -> Iterator[BoardEntry]:
        for index in range(start, min(end, len(self.payloads))):
            kind, payload = self.payloads[index]
            yield BoardEntry(index, kind, payload, b"\0" * 32, 1_638_000_000_000, b"")

    def tree_heads(self) -> list[SignedTreeHead]:
        return []

    def cosignatures(self, size: int) -> list[WitnessMark]:
        return []

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return []

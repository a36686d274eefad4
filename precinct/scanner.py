"""The scanner's record of one sheet (docs/spec/scanner_record.md) and its reading under the paper rules.

One JSON object per line (UTF-8, no blank lines)::

    {"format": "shailoo-scan/1", "precinct_id": "pr0001", "sheet": 17, "style_id": "s-batken",
     "contests": {"president": {"marked": [3], "preferences": []}}}

``marked`` are the 1-based positions of the boxes marked in the contest, in the printed order (the manifest's
selection order, list-position selections excluded); ``preferences`` the numbers marked in the preference row of a
list ballot. A contest of the style absent from ``contests`` had no mark. The sheet number is the scanner's
counter, 1, 2, 3 … for the day; a number seen twice is refused (the same sheet fed twice).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from crypto.strict_json import Field, MalformedFieldError
from elections.errors import ElectionError
from elections.manifest import Contest, Manifest
from elections.paper import PaperBallot, ScannedContest, interpret_paper_ballot
from precinct.errors import ScannerRecordError

SCAN_FORMAT: Final = "shailoo-scan/1"
_KEYS: Final = frozenset({"format", "precinct_id", "sheet", "style_id", "contests"})
_CONTEST_KEYS: Final = frozenset({"marked", "preferences"})


@dataclass(frozen=True)
class ScannerRecord:
    """One sheet as the scanner read it: boxes marked by position, preference numbers, per contest."""

    precinct_id: str
    sheet: int
    style_id: str
    contests: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SCAN_FORMAT,
            "precinct_id": self.precinct_id,
            "sheet": self.sheet,
            "style_id": self.style_id,
            "contests": {c: {"marked": list(m), "preferences": list(p)} for c, m, p in self.contests},
        }

    def to_line(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, value: object, where: str = "record") -> ScannerRecord:
        """Parse one record strictly; `ScannerRecordError` (``invalid_scanner_record``, as the format's spec says)
        naming ``where`` and the JSON path of the bad field (``line 3: $.contests.president.marked[0]: …``)."""
        try:
            return cls._from_field(Field(value))
        except MalformedFieldError as e:
            raise ScannerRecordError(f"{where}: {e.message}") from e

    @classmethod
    def _from_field(cls, source: Field) -> ScannerRecord:
        obj = source.as_object(_KEYS)
        obj["format"].literal(SCAN_FORMAT)
        parsed = []
        for contest_id, item in sorted(obj["contests"].entries(), key=lambda entry: entry[0]):
            contest = item.as_object(_CONTEST_KEYS)
            marked = tuple(p.integer(minimum=1) for p in contest["marked"].items())
            preferences = tuple(p.integer(minimum=1) for p in contest["preferences"].items())
            parsed.append((contest_id, marked, preferences))
        return cls(obj["precinct_id"].text(), obj["sheet"].integer(minimum=1), obj["style_id"].text(), tuple(parsed))


def read_scanner_lines(lines: Iterable[str]) -> Iterator[ScannerRecord]:
    """Parse JSON lines; the error names the line number."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as e:
            raise ScannerRecordError(f"line {number}: not JSON ({e})") from e
        yield ScannerRecord.from_json(value, where=f"line {number}")


def printed_boxes(contest: Contest) -> list[str]:
    """Selection ids in the printed order of the boxes (list-position selections are the preference row)."""
    return [s.selection_id for s in contest.selections if s.kind != "party_preference"]


def read_sheet(manifest: Manifest, record: ScannerRecord) -> PaperBallot:
    """Turn box positions into selection ids and apply the manifest's paper rules (`interpret_paper_ballot`)."""
    scanned: dict[str, ScannedContest] = {}
    try:
        for contest_id, marked, preferences in record.contests:
            boxes = printed_boxes(manifest.contest(contest_id))
            if any(p > len(boxes) for p in marked):
                raise ScannerRecordError(f"sheet {record.sheet}: contest {contest_id!r} has {len(boxes)} boxes")
            scanned[contest_id] = ScannedContest(
                marked=tuple(boxes[p - 1] for p in marked), preferences=tuple(preferences)
            )
        return interpret_paper_ballot(manifest, record.style_id, scanned)
    except ElectionError as e:
        raise ScannerRecordError(f"sheet {record.sheet}: {e.message}") from e

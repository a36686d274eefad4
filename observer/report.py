"""The verification report: one `CheckResult` per numbered check, as Rich tables and as JSON.

JSON (``shailoo verify --json PATH``)::

    {"format": "shailoo-verification-report/1", "export": {"origin", "size", "tree_head_root", "fingerprint"},
     "passed": bool, "counts": {"pass": int, "fail": int, "skipped": int},
     "checks": [{"number", "area", "name", "status": "pass" | "fail" | "skipped",
                 "message", "evidence": {...}, "seconds"}]}

The process exit status is non-zero when any check fails (a skipped check alone does not fail verification,
but the report says why it was skipped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

REPORT_FORMAT: Final = "shailoo-verification-report/1"
#: Evidence lists longer than this are cut in the readable report (the JSON keeps them whole).
_SHOWN_ITEMS: Final = 5


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a check status, not a password
    FAIL = "fail"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``message`` says what was found, ``evidence`` holds indices, hashes, values."""

    number: int
    area: str
    name: str
    status: Status
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "area": self.area,
            "name": self.name,
            "status": self.status.value,
            "message": self.message,
            "evidence": self.evidence,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Report:
    """All checks of one verification run, in number order."""

    export: dict[str, Any]
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(c.status is Status.FAIL for c in self.checks)

    def check(self, number: int) -> CheckResult:
        for result in self.checks:
            if result.number == number:
                return result
        raise KeyError(number)

    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status is Status.FAIL]

    def counts(self) -> dict[str, int]:
        return {s.value: sum(1 for c in self.checks if c.status is s) for s in Status}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "export": self.export,
            "passed": self.passed,
            "counts": self.counts(),
            "checks": [c.to_json() for c in self.checks],
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def render(self, console: Console) -> None:
        """Print the report as a Rich table (one row per check) and a verdict line."""
        table = Table(title=f"Shailoo verification of {self.export.get('origin', '?')}", show_lines=False)
        table.add_column("#", justify="right")
        table.add_column("check")
        table.add_column("status")
        table.add_column("finding", overflow="fold")
        styles = {Status.PASS: "[green]pass[/]", Status.FAIL: "[bold red]FAIL[/]", Status.SKIPPED: "[yellow]skipped[/]"}
        for c in self.checks:
            finding = c.message
            if c.status is Status.FAIL and c.evidence:
                finding += "\n" + _short_evidence(c.evidence)
            table.add_row(str(c.number), c.name, styles[c.status], finding)
        console.print(table)
        counts = self.counts()
        verdict = "[bold green]VERIFIED[/]" if self.passed else "[bold red]NOT VERIFIED[/]"
        console.print(f"{verdict}: {counts['pass']} passed, {counts['fail']} failed, {counts['skipped']} skipped")


def _short_evidence(evidence: dict[str, Any]) -> str:
    parts = []
    for key, value in evidence.items():
        if isinstance(value, list) and len(value) > _SHOWN_ITEMS:
            value = [*value[:_SHOWN_ITEMS], f"… {len(value) - _SHOWN_ITEMS} more"]
        parts.append(f"{key}: {json.dumps(value, ensure_ascii=False, default=str)[:400]}")
    return "\n".join(parts)

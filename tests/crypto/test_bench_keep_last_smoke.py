"""Smoke test of bench/keep_last.py: it runs end to end and its JSON has every field (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_keep_last_benchmark_runs_and_reports_every_field() -> None:
    command = [sys.executable, str(ROOT / "bench" / "keep_last.py"), "--quick"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["schema"] == "shailoo-bench-keep-last/1"
    assert report["keep_last"]["ballots"] == 1000
    assert report["keep_last"]["kept"] + report["keep_last"]["superseded"] == 1000
    assert report["linked_tags"]["linked"] == 0
    assert report["baseline_match_tags"]["kept"] == report["keep_last"]["kept"]

"""Smoke test of bench/board.py: it runs end to end on SQLite and its JSON has every field (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMING = {"median_ms", "p10_ms", "p90_ms", "max_ms", "repeats"}


@pytest.mark.slow
def test_board_benchmark_quick_run() -> None:
    command = [sys.executable, str(ROOT / "bench" / "board.py"), "--quick", "--backends", "sqlite"]
    command += ["--size", "3000", "--appends", "150", "--single", "10", "--threads", "4", "--repeats", "10"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(done.stdout)
    assert report["schema"] == "shailoo-bench-board/1"
    sqlite = report["backends"]["sqlite"]
    assert set(sqlite) == {"append", "verify_export_of_append_board", "build", "proofs", "export"}
    assert sqlite["append"]["group_commit_per_s_by_threads"].keys() == {"4"}
    assert sqlite["build"]["entries"] == 3000
    proofs = sqlite["proofs"]
    assert set(proofs["inclusion_proof"]) >= TIMING and set(proofs["consistency_proof"]) >= TIMING
    assert proofs["baseline_rebuild_from_leaves"]["leaves"] == 2048
    assert sqlite["export"]["entries"] == 3000 and "verify_entries_per_s" in sqlite["export"]

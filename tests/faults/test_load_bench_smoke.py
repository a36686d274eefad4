"""bench/load.py runs end to end on a tiny load and reports what bench/load.md promises (the numbers themselves are
measured by the benchmark, never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_load_benchmark_quick_run_reports_every_phase_and_audits_the_receipts(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    command = [
        sys.executable, str(REPO / "bench" / "load.py"), "--duration", "3", "--rate", "10",
        "--overload-rate", "30", "--overload-duration", "2", "--voters", "4", "--out", str(out),
    ]  # fmt: skip
    subprocess.run(command, cwd=REPO, check=True, timeout=600, stdout=subprocess.DEVNULL)
    report = json.loads(out.read_text())
    assert report["schema"] == "shailoo-bench-load/1" and report["settings"]["listen"] == "127.0.0.1"
    for phase in ("sustained", "overload"):
        casting = report[phase]["casting"]
        assert casting["offered"] > 0 and casting["accepted"] + casting["unanswered"] <= casting["offered"]
        assert {"p50_ms", "p99_ms", "refused_overload", "errors"} <= set(casting)
        assert "tree_head" in report[phase]["readers"]
    assert report["memory"]["rss_mb_max"] > 0
    assert report["audit"]["receipts_not_on_board"] == 0
    assert report["audit"]["distinct_ballots_on_board"] == report["audit"]["ballots_on_board"]
    assert report["baseline"]["verify_in_process"]["batched_ms_per_ballot"] > 0
    assert set(report["verdict"]) == {
        "rate_sustained",
        "p99_within_target",
        "overload_refused_explicitly",
        "no_silent_loss",
        "every_ballot_counted_once",
    }

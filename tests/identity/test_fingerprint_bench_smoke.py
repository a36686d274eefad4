"""Smoke test of bench/fingerprint_grinding.py: it runs end to end and its JSON has every field (no timing
assertions; the numbers themselves are in bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_fingerprint_grinding_bench_runs_and_reports_every_figure() -> None:
    command = [sys.executable, str(ROOT / "bench" / "fingerprint_grinding.py"), "--seconds", "0.05"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["demonstration_24_bit_key_only"]["bits"] == 24
    assert report["baseline_key_only_40_bit"]["expected_tries"] == 1314195  # sqrt(pi/2 * 2^40)
    assert set(report["bound_80_bit"]["collision_probability_among_n_credentials"]) == {"10000", "1000000"}
    for figure in ("grinding_rate_keys_per_s", "ratio_bound_80_over_key_only_40"):
        assert report[figure] > 0

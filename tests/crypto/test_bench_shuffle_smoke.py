"""Smoke test of bench/shuffle.py: it runs end to end and its JSON has every field (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_shuffle_benchmark_runs_and_reports_every_field() -> None:
    command = [sys.executable, str(ROOT / "bench" / "shuffle.py"), "--quick"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["schema"] == "shailoo-bench-shuffle/1"
    (row,) = report["shuffle"]
    assert row["rows"] == 20 and row["proof_bytes"] == 9 + 163 * 20 + 98 + 195
    for name in ("shuffle_prove", "verify", "verify_relation_by_relation"):
        assert row[name]["median_s"] > 0 and row["per_ciphertext_s"][name] > 0
    assert set(report["homomorphic_baseline"]["per_ciphertext_s"]) == {"encrypt_prove_selection", "verify_selection"}

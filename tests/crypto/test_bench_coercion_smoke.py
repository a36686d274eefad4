"""Smoke test of bench/coercion.py: it runs end to end and its JSON has every field (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_coercion_benchmark_runs_and_reports_every_field() -> None:
    command = [sys.executable, str(ROOT / "bench" / "coercion.py"), "--quick"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["schema"] == "shailoo-bench-coercion/1"
    ballot = report["party_list_ballot"]
    assert ballot["bits"] == 11 and ballot["packed"]["bytes"] == 2136
    assert ballot["packed"]["encrypt_prove_s"] > 0 and ballot["today"]["encrypt_prove_s"] > 0
    assert report["tagging"]["ballots_100k_roster_100k_two_trustees"]["extrapolated"] is True
    assert report["matching"]["kept"] == report["matching"]["ballots"] // 2
    whole = report["ballot_2021"]
    assert (
        whole["contests"]["party-list"]["bits"] == 11
        and whole["this_mode"]["binary_bytes"] == 66 + 130 + 2 * 2 + 15 * 194
    )
    assert whole["homomorphic"]["encrypt_prove_s"] > 0
    tally = report["tally"]
    assert tally["kept"] == tally["roster"] == tally["ballots"] - tally["fake_credential_ballots"]
    assert set(tally["steps_s"]) >= {"shuffle_ballots_two_trustees", "matching", "decode_count_rules_engine"}

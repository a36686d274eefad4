"""Smoke test of bench/crypto.py: it runs end to end and its JSON has every field (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMING = {"median_s", "p10_s", "p90_s", "repeats"}
TARGETED = [
    "encrypt_prove_selection",
    "verify_selection",
    "verify_selection_batched_from_bytes",
    "ballot_encrypt_prove",
    "ballot_verify_batched",
]


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    command = [
        sys.executable,
        str(ROOT / "bench" / "crypto.py"),
        "--quick",
        "--batch-size",
        "6",
        "--ballot-selections",
        "8",
        "--dlog-max",
        "5000",
        "--eg-window-bits",
        "4",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def assert_timing(entry: dict[str, Any]) -> None:
    assert entry.keys() >= TIMING, entry
    assert entry["median_s"] > 0


def test_report_names_its_schema_machine_and_settings(report: dict[str, Any]) -> None:
    assert report["schema"] == "shailoo-bench-crypto/1"
    assert {"python", "platform", "cpu_count", "pinned_core"} <= report["machine"].keys()
    assert report["settings"]["quick"] is True
    assert report["settings"]["ballot_selections"] == 8


@pytest.mark.parametrize("name", TARGETED)
def test_targeted_operation_has_both_sides_ratio_target_and_verdict(report: dict[str, Any], name: str) -> None:
    entry = report["operations"][name]
    assert_timing(entry["shailoo"])
    assert_timing(entry["electionguard"])
    assert entry["ratio"] > 0
    assert entry["target_s"] > 0
    assert isinstance(entry["met"], bool)


@pytest.mark.parametrize("name", ["verify_selection_from_bytes", "verify_selection_batched_decoded"])
def test_untargeted_comparison_has_both_sides(report: dict[str, Any], name: str) -> None:
    entry = report["operations"][name]
    assert_timing(entry["shailoo"])
    assert_timing(entry["electionguard"])
    assert entry["ratio"] > 0


def test_ballot_baseline_is_marked_extrapolated(report: dict[str, Any]) -> None:
    for name in ("ballot_encrypt_prove", "ballot_verify_batched", "ballot_verify_one_by_one"):
        assert report["operations"][name]["electionguard"]["extrapolated"] is True


def test_sizes_are_reported_against_the_target(report: dict[str, Any]) -> None:
    size = report["operations"]["selection_size_bytes"]
    assert size["shailoo"] > 0
    assert size["electionguard"] == 6 * 512 + 5 * 32
    assert size["electionguard_json"] > size["electionguard"]
    assert size["target_bytes"] == 300
    assert isinstance(size["met"], bool)


def test_homomorphic_add_discrete_log_and_backends_are_reported(report: dict[str, Any]) -> None:
    ops = report["operations"]
    add = ops["homomorphic_add_per_ciphertext"]
    for side in ("shailoo", "shailoo_ciphertext_sum", "electionguard"):
        assert_timing(add[side])
    dlog = ops["discrete_log"]
    assert dlog["max_value"] == 5000
    assert dlog["table_build_s"] > 0
    assert_timing(dlog["decode_random"])
    assert_timing(dlog["decode_max_value"])
    assert dlog["electionguard_linear_estimate_s"] > 0
    assert set(ops["backends"]) == {"elgamal-p256", "paillier-2048"}
    for backend in ops["backends"].values():
        for op in ("encrypt", "add", "decrypt"):
            assert_timing(backend[op])
        assert backend["ciphertext_bytes"] > 0


def test_every_target_has_a_verdict(report: dict[str, Any]) -> None:
    met = report["targets"]["met"]
    assert set(met) == {*TARGETED, "selection_size_bytes"}
    assert report["targets"]["all_met"] == all(met.values())

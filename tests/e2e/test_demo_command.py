"""``shailoo demo`` — the project's main job — runs end to end (small: 6 voters, test-size issuer keys)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.demo import DEMO_PRESETS
from cli.main import app


def test_shailoo_demo_runs_and_its_export_verifies(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--voters", "6", "--issuer-bits", "2048", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "The decrypted totals equal the choices the simulated voters made" in result.output
    assert (out / "board.jsonl").stat().st_size > 0
    report = json.loads((out / "verification.json").read_text())
    assert report["passed"] is True and report["counts"]["fail"] == 0
    # The witness's cosignature went through the server's route and counts under its roster key, by default.
    witnesses = next(c for c in report["checks"] if c["number"] == 3)["evidence"]
    assert witnesses["latest_signers"] == witnesses["from_roster"] == ["observers.example/witness"]


def test_shailoo_demo_coercion_resistant_counts_the_real_choices_and_verifies(tmp_path: Path) -> None:
    out = tmp_path / "cr"
    args = ["demo", "--coercion-resistant", "--voters", "6", "--coerced", "2", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "The counted choices equal every real voter's last choice" in result.output
    report = json.loads((out / "verification.json").read_text())
    assert report["passed"] is True
    statuses = {c["number"]: c["status"] for c in report["checks"]}
    assert all(statuses[n] == "pass" for n in (45, 46, 47, 48, 49)), statuses


@pytest.mark.parametrize("preset", DEMO_PRESETS)
def test_shailoo_demo_coercion_resistant_runs_every_preset(tmp_path: Path, preset: str) -> None:
    # Every contest kind packs (record.cr_contests): the 2021 list + preference as one 11-bit number, the village's
    # marks as a bit mask; the voters are spread over several ballot styles (one with a padded row).
    args = ["demo", "--coercion-resistant", "--preset", preset, "--voters", "4", "--coerced", "1"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "The counted choices equal every real voter's last choice" in result.output
    report = json.loads((tmp_path / "verification.json").read_text())
    assert report["passed"] is True


def test_shailoo_demo_coercion_resistant_counts_an_invalid_combination_as_invalid(tmp_path: Path) -> None:
    # The spoilt voter's party-list number is "against all" with a preference — inside the proved 11 bits, invalid
    # on paper — and her district number names no candidate: each counts as an invalid ballot of its contest.
    args = ["demo", "--coercion-resistant", "--preset", "parliament-2021", "--voters", "4", "--coerced", "1"]
    result = CliRunner().invoke(app, [*args, "--spoilt", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    posted = [json.loads(line) for line in (tmp_path / "board.jsonl").read_text().splitlines()]
    cr_result = next(e["payload"] for e in posted if e.get("kind") == "cr_result")
    assert cr_result["invalid"]["party-list"] == 1
    assert sum(cr_result["invalid"].values()) == 2  # the list and the spoilt voter's district
    assert sum(cr_result["counts"]["party-list"]) == 3  # the three other real voters
    assert json.loads((tmp_path / "verification.json").read_text())["passed"] is True


def test_a_slow_decryption_does_not_date_the_ballots_after_the_close(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The trustees of a large ballot can take minutes to decrypt (the 2021 ballot took over four under load): the
    demo's witness cosigns a head covering every ballot while voting is open, so check 24, which holds the log's
    times to the pinned witnesses' clocks, passes however long the decryption takes. Fails if the witness only
    cosigns at the export."""
    from cli.demo import DemoRun

    decrypt = DemoRun._decrypt

    def slow_decrypt(self: DemoRun) -> None:
        decrypt(self)
        self.clock.travel_to(self.manifest.dates.voting_closes, plus_seconds=15 * 60)  # a quarter of an hour later

    monkeypatch.setattr(DemoRun, "_decrypt", slow_decrypt)
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--voters", "4", "--issuer-bits", "2048", "--out", str(out)])
    assert result.exit_code == 0, result.output
    statuses = {c["number"]: c["status"] for c in json.loads((out / "verification.json").read_text())["checks"]}
    assert statuses[24] == "pass", statuses

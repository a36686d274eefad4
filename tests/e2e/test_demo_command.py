"""``shailoo demo`` — the project's main job — runs end to end (small: 6 voters, test-size issuer keys)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

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

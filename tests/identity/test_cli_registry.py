"""``shailoo registry import`` and ``shailoo registry count``."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.registry import register
from tests.identity.test_registry import csv_text, record_to_csv_row, voter


def app() -> typer.Typer:
    root = typer.Typer()
    root.callback()(lambda: None)
    register(root)
    return root


def test_import_prints_the_report_and_fails_on_rejected_rows(tmp_path: Path) -> None:
    good = record_to_csv_row(voter())
    bad = {**good, "personal_number": "99999999999999"}
    path = tmp_path / "voters.csv"
    path.write_text(csv_text([good, bad]), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = CliRunner().invoke(app(), ["registry", "import", str(path), "--database-url", url])
    assert result.exit_code == 1
    assert "imported: 1" in result.output and "invalid_personal_number" in result.output
    counted = CliRunner().invoke(app(), ["registry", "count", "--database-url", url])
    assert counted.exit_code == 0 and counted.output.strip() == "1"

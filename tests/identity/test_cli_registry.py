"""``shailoo registry import`` and ``shailoo registry count``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.registry import register
from identity.db import make_engine
from tests.identity.conftest import make_personal_number
from tests.identity.test_registry import BIRTH, csv_text, record_to_csv_row, voter


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


def test_import_reports_rows_held_for_a_face_review_and_an_operator_decides_them(tmp_path: Path) -> None:
    first = record_to_csv_row(voter(make_personal_number(BIRTH, serial="00301"), seed=5))
    twin = record_to_csv_row(voter(make_personal_number(BIRTH, serial="00302"), seed=5))  # the same template
    path = tmp_path / "voters.csv"
    path.write_text(csv_text([first, twin]), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'r.db'}"
    runner = CliRunner()
    result = runner.invoke(app(), ["registry", "import", str(path), "--database-url", url])
    assert result.exit_code == 1
    assert "imported: 2" in result.output and "held for face review: 1" in result.output and "line 2" in result.output

    listed = runner.invoke(app(), ["registry", "review", "list", "--database-url", url])
    assert (
        listed.exit_code == 0 and first["personal_number"] in listed.output and twin["personal_number"] in listed.output
    )
    assert "1 pending review(s)" in listed.output

    args = ["registry", "review", "decide", "1", "keep_first", "--operator", "registrar-7", "--database-url", url]
    decided = runner.invoke(app(), args)
    assert decided.exit_code == 0 and "review 1: keep_first (by registrar-7)" in decided.output
    again = runner.invoke(app(), args)
    assert again.exit_code == 1 and "review_already_decided" in again.output
    done = runner.invoke(app(), ["registry", "review", "list", "--status", "decided", "--database-url", url])
    assert "keep_first" in done.output and "registrar-7" in done.output


def test_by_default_the_register_is_imported_where_shailoo_serve_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no database named anywhere, ``shailoo registry import`` writes the database that ``shailoo serve``
    opens with its default settings, so the server finds the imported voter (not ``voter_not_found``)."""
    from voting_server.components import build_components
    from voting_server.settings import Settings

    for name in ("SHAILOO_DATABASE_URL", "SHAILOO_IDENTITY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    record = voter()
    path = tmp_path / "voters.csv"
    path.write_text(csv_text([record_to_csv_row(record)]), encoding="utf-8")
    result = CliRunner().invoke(app(), ["registry", "import", str(path)])
    assert result.exit_code == 0, result.output

    components = build_components(Settings())  # what `shailoo serve` builds with no options
    try:
        assert components.registry.lookup(record.personal_number).personal_number == record.personal_number
    finally:
        components.stop()
        components.storage.close()


def test_the_server_database_setting_is_the_registry_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server on another database (``SHAILOO_DATABASE_URL``, e.g. PostgreSQL) gets the register there too."""
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    monkeypatch.delenv("SHAILOO_IDENTITY_DATABASE_URL", raising=False)
    monkeypatch.setenv("SHAILOO_DATABASE_URL", url)
    path = tmp_path / "voters.csv"
    path.write_text(csv_text([record_to_csv_row(voter())]), encoding="utf-8")
    assert CliRunner().invoke(app(), ["registry", "import", str(path)]).exit_code == 0
    counted = CliRunner().invoke(app(), ["registry", "count", "--database-url", url])
    assert counted.output.strip() == "1"


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def seven_voters(tmp_path: Path) -> Path:
    rows = [
        record_to_csv_row(voter(make_personal_number(BIRTH, serial=f"{500 + i:05d}"), seed=40 + i)) for i in range(7)
    ]
    path = tmp_path / "voters.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


def test_the_import_reports_rows_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from identity import registry as registry_module
    from identity.registry import SqlVoterRegistry

    monkeypatch.setattr(registry_module, "IMPORT_PROGRESS_STEP", 2)
    seen: list[tuple[int, int]] = []
    registry = SqlVoterRegistry(make_engine(f"sqlite:///{tmp_path / 'r.db'}"), b"k" * 32)
    report = registry.import_csv(seven_voters(tmp_path), lambda done, total: seen.append((done, total)))
    assert report.imported == 7
    assert seen == [(0, 7), (2, 7), (4, 7), (6, 7), (7, 7)]


def test_the_cli_shows_the_rows_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = seven_voters(tmp_path)
    outputs = {}
    for name, terminal, extra in (("terminal", "1", []), ("pipe", "0", []), ("quiet", "1", ["--no-progress"])):
        monkeypatch.setenv("TTY_COMPATIBLE", terminal)  # Rich's switch: a terminal or not
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        result = CliRunner().invoke(app(), ["registry", "import", str(path), "--database-url", url, *extra])
        assert result.exit_code == 0, result.output
        outputs[name] = ANSI.sub("", result.output)
    assert re.search(r"register rows checked\s.*\b7/7\s+\d+:\d\d:\d\d", outputs["terminal"]), outputs["terminal"]
    for name in ("pipe", "quiet"):
        assert "register rows checked" not in outputs[name] and "imported: 7" in outputs[name]

"""Candidate import through the HTTP API and the CLI: a good file loads the manifest it gives; a bad one is refused
with every problem and leaves the board as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app as cli_app
from tests.elections.test_candidates import _csv, _row
from tests.server.harness import OPERATOR, Election


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path)
    yield election
    election.close()


def test_import_loads_the_manifest_with_the_candidates(fresh: Election) -> None:
    body = {"preset": "president", "format": "csv", "content": _csv([_row(1), _row(2)])}
    answer = fresh.http.post("/v1/admin/candidates/import", json=body, headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["candidates"] == 2 and result["index"] == 0
    entry = fresh.http.get("/v1/board/entries").json()["entries"][0]
    assert entry["kind"] == "manifest" and entry["payload"]["manifest_hash"] == result["manifest_hash"]
    assert [c["candidate_id"] for c in entry["payload"]["manifest"]["candidates"]] == ["k001", "k002"]


def test_bad_file_is_refused_with_every_problem_and_changes_nothing(fresh: Election) -> None:
    rows = [_row(1, documents="application"), _row(2, birth_date="2000-01-01")]
    body = {"preset": "president", "format": "csv", "content": _csv(rows)}
    answer = fresh.http.post("/v1/admin/candidates/import", json=body, headers=OPERATOR)
    assert answer.status_code == 422
    error = answer.json()
    assert error["code"] == "invalid_candidates"
    assert [(p["row"], p["code"]) for p in error["problems"]] == [(1, "documents_missing"), (2, "under_age")]
    assert fresh.http.get("/v1/board/entries").json()["size"] == 0


def test_dry_run_returns_the_manifest_without_posting(fresh: Election) -> None:
    body = {"preset": "president", "format": "csv", "content": _csv([_row(1)]), "dry_run": True}
    result = fresh.http.post("/v1/admin/candidates/import", json=body, headers=OPERATOR).json()
    assert result["index"] is None and result["manifest"]["candidates"][0]["candidate_id"] == "k001"
    assert fresh.http.get("/v1/board/entries").json()["size"] == 0


def test_import_needs_the_operator(fresh: Election) -> None:
    body = {"preset": "president", "format": "csv", "content": _csv([_row(1)])}
    assert fresh.http.post("/v1/admin/candidates/import", json=body).status_code == 401


def test_import_is_in_the_openapi(fresh: Election) -> None:
    paths = fresh.http.get("/openapi.json").json()["paths"]
    assert "422" in paths["/v1/admin/candidates/import"]["post"]["responses"]


def test_cli_writes_the_manifest_or_lists_the_problems(tmp_path: Path) -> None:
    good, bad, out = tmp_path / "good.csv", tmp_path / "bad.csv", tmp_path / "manifest.json"
    good.write_text(_csv([_row(1), _row(2)]), encoding="utf-8")
    bad.write_text(_csv([_row(1, gender="")]), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli_app, ["candidates", "import", str(good), "--preset", "president", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert '"k002"' in out.read_text(encoding="utf-8")
    out.unlink()
    result = runner.invoke(cli_app, ["candidates", "import", str(bad), "--preset", "president", "--out", str(out)])
    assert result.exit_code == 1 and "missing_field" in result.output and not out.exists()

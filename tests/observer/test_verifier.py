"""The verifier on an honest record: every check passes, the report says so, the CLI exits 0."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from observer.checks import all_checks
from observer.errors import ExportUnreadableError
from observer.report import Status
from observer.verify import verify
from tests.observer.election import BuiltElection, build_election
from trustees.coordinator import CeremonyParams

PRECINCT_CHECKS = {30, 31, 32}
#: The mixing check: the homomorphic election's manifest asks for no mixing (tests/observer/test_mixing.py mixes).
MIXING_CHECK = 45


def test_honest_record_passes_every_check(election: BuiltElection) -> None:
    report = verify(election.path)
    assert report.passed, [c.to_json() for c in report.failed()]
    statuses = {c.number: c.status for c in report.checks}
    assert {n for n, s in statuses.items() if s is Status.SKIPPED} == {*PRECINCT_CHECKS, MIXING_CHECK}
    assert report.check(20).evidence["verified"] == 14  # 12 voters + 2 re-votes
    assert report.check(22).evidence["superseded"] == [election.indices["ballot"][0], election.indices["ballot"][1]]
    assert report.check(23).evidence["spoiled"][0]["entry_index"] == election.indices["spoiled_ballot"][0]


def test_a_restarted_ceremony_is_verified_under_the_attempt_its_entries_name(tmp_path: Path) -> None:
    # Every ceremony payload records its attempt: the verifier recomputes C from it instead of searching for it.
    built = build_election(tmp_path / "export.jsonl", voters=2, revotes=0, ceremony=CeremonyParams(n=3, k=2, attempt=2))
    report = verify(built.path)
    assert report.passed, [c.to_json() for c in report.failed()]
    payloads = [json.loads(line) for line in built.path.read_text().splitlines()]
    ceremony_kinds = {"trustee_commitment", "trustee_share", "complaint", "joint_key"}
    assert {p["payload"]["attempt"] for p in payloads if p.get("kind") in ceremony_kinds} == {2}


def test_checks_are_numbered_uniquely_and_named() -> None:
    checks = all_checks()
    assert [c.number for c in checks] == sorted({c.number for c in checks})
    assert all(c.name and c.area for c in checks)


def test_cli_writes_json_report_and_exits_zero(election: BuiltElection, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["verify", str(election.path), "--json", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["format"] == "shailoo-verification-report/1" and data["passed"] is True
    assert {c["number"] for c in data["checks"]} == {c.number for c in all_checks()}


def test_cli_exits_nonzero_on_a_tampered_record(election: BuiltElection, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = election.path.read_bytes().splitlines(keepends=True)
    del lines[5]  # an entry line disappears
    bad.write_bytes(b"".join(lines))
    result = CliRunner().invoke(app, ["verify", str(bad), "--no-progress"])
    assert result.exit_code == 1


def test_not_an_export_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(ExportUnreadableError):
        verify(path)


def test_export_fetched_from_a_url(election: BuiltElection) -> None:
    handler = partial(SimpleHTTPRequestHandler, directory=str(election.path.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        report = verify(f"http://127.0.0.1:{server.server_port}/{election.path.name}")
    finally:
        server.shutdown()
    assert report.passed


def test_a_bare_server_url_means_its_board_export() -> None:
    from observer.verify import export_url

    assert export_url("https://cec.example.kg") == "https://cec.example.kg/v1/board/export"
    assert export_url("https://mirror.example.org/2026/board.jsonl") == "https://mirror.example.org/2026/board.jsonl"

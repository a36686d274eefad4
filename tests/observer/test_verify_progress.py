"""``shailoo verify`` shows how far it is: the export downloaded and read (bytes), the checks run, the ballots
verified. The verifier tells a callback (`observer.context.OnProgress`); the CLI draws bars from it on a terminal
only (`cli.progress.bars`), and nothing in a pipe or with ``--no-progress``."""

from __future__ import annotations

import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from bulletin_board.entries import EntryKind
from cli.main import app
from observer import board_export
from observer.board_export import load_export
from observer.checks import all_checks
from observer.context import VerifyOptions
from observer.verify import verify
from tests.observer.election import BuiltElection

Event = tuple[str, int, int, str]


def events_of(stage: str, events: list[Event]) -> list[tuple[int, int]]:
    return [(done, total) for s, done, total, _ in events if s == stage]


def test_verify_reports_the_export_read_the_checks_and_the_ballots(
    election: BuiltElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_export, "PROGRESS_STEP", 4096)  # a small export still reports along the way
    events: list[Event] = []
    report = verify(election.path, VerifyOptions(on_progress=lambda *e: events.append(e)))
    assert report.passed
    size = election.path.stat().st_size
    read = events_of("export", events)
    assert len(read) > 2 and read[-1] == (size, size)
    assert [d for d, _ in read] == sorted(d for d, _ in read) and {t for _, t in read} == {size}
    checks = events_of("checks", events)
    count = len(all_checks())
    assert [d for d, _ in checks] == list(range(count + 1)) and {t for _, t in checks} == {count}
    assert any(
        label == "check 20: " + all_checks()[[c.number for c in all_checks()].index(20)].name for *_, label in events
    )
    ballots = len(load_export(election.path).of_kind(EntryKind.BALLOT))
    assert events_of("ballots", events)[0] == (0, ballots) and events_of("ballots", events)[-1] == (ballots, ballots)
    # In order: the whole export is read before the first check runs.
    assert events.index(("export", size, size, "reading the export")) < events.index(
        next(e for e in events if e[0] == "checks")
    )


def test_a_download_reports_its_bytes(election: BuiltElection) -> None:
    handler = partial(SimpleHTTPRequestHandler, directory=str(election.path.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    events: list[Event] = []
    try:
        url = f"http://127.0.0.1:{server.server_port}/{election.path.name}"
        assert verify(url, VerifyOptions(on_progress=lambda *e: events.append(e))).passed
    finally:
        server.shutdown()
    size = election.path.stat().st_size
    assert events_of("download", events)[-1] == (size, size)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_cli(monkeypatch: pytest.MonkeyPatch, terminal: bool, *args: str) -> str:
    monkeypatch.setenv("TTY_COMPATIBLE", "1" if terminal else "0")  # Rich's switch: a terminal or not
    monkeypatch.setenv("COLUMNS", "120")
    result = CliRunner().invoke(app, ["verify", *args])
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.output)


#: A bar's line: its label, the bar, done/total and the time gone by (Rich's MofN and elapsed columns).
def bar_line(label: str, out: str) -> list[tuple[int, int]]:
    found = re.findall(rf"{re.escape(label)}\s.*?(\d+)/(\d+)\s+\d+:\d\d:\d\d", out)
    return [(int(d), int(t)) for d, t in found]


def test_the_cli_draws_bars_on_a_terminal(election: BuiltElection, monkeypatch: pytest.MonkeyPatch) -> None:
    out = run_cli(monkeypatch, True, str(election.path))
    count = len(all_checks())
    size = election.path.stat().st_size
    assert (size, size) in bar_line("reading the export", out)
    assert (count, count) in bar_line("checks", out)
    assert (14, 14) in bar_line("ballots verified", out)


def test_nothing_extra_in_a_pipe_or_with_no_progress(election: BuiltElection, monkeypatch: pytest.MonkeyPatch) -> None:
    piped = run_cli(monkeypatch, False, str(election.path))
    quiet = run_cli(monkeypatch, True, str(election.path), "--no-progress")
    for out in (piped, quiet):
        assert not re.search(r"\d+/\d+\s+\d+:\d\d:\d\d", out), out

"""The precinct commands against a real server on loopback: a device key made by ``shailoo device keygen`` and
registered by ``shailoo device register``, the scanner's file read by ``shailoo urn ingest`` during the day and
at the close, and ``shailoo urn sync`` repeated (the protocol goes once the election is closed)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from bulletin_board.entries import EntryKind
from cli.main import app
from tests.precinct.day import PRECINCT, PrecinctDay, sheets, style_of
from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[PrecinctDay, str]]:
    day = PrecinctDay.open(tmp_path, urns=0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(day.election.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield day, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    day.close()


def test_urn_commands_through_a_day(served: tuple[PrecinctDay, str], tmp_path: Path) -> None:
    day, url = served
    runner = CliRunner()
    key = tmp_path / "urn.key"
    made = runner.invoke(
        app, ["device", "keygen", "--id", "urn-cli", "--role", "urn", "--precinct", PRECINCT, "--out", str(key)]
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["precinct_id"] == PRECINCT
    registered = runner.invoke(
        app, ["device", "register", "--key", str(key), "--server", url, "--token", DEVELOPMENT_OPERATOR_TOKEN]
    )
    assert registered.exit_code == 0, registered.output

    manifest = day.election.manifest
    records = list(sheets(manifest, 25, style_id=style_of(manifest, PRECINCT)))
    scans = tmp_path / "scans.jsonl"
    scans.write_text("".join(r.to_line() + "\n" for r in records[:12]))
    common = ["--key", str(key), "--server", url, "--outbox", str(tmp_path / "urn.sqlite3"), "--batch-size", "10"]
    first = runner.invoke(app, ["urn", "ingest", str(scans), "--identified", "25", *common])
    assert first.exit_code == 0, first.output
    assert "sheets read now: 12" in first.output

    scans.write_text("".join(r.to_line() + "\n" for r in records))  # the scanner appended the afternoon's sheets
    pdf = tmp_path / "protocol.pdf"
    closing = runner.invoke(app, ["urn", "ingest", str(scans), *common, "--close", "--pdf", str(pdf)])
    assert closing.exit_code == 0, closing.output
    assert "sheets read now: 13" in closing.output and "Считано бюллетеней: 25" in closing.output
    assert pdf.read_bytes().startswith(b"%PDF")

    held = runner.invoke(app, ["urn", "sync", *common[:6]])
    assert "records sent: 0; still queued: 1" in held.output  # the protocol waits for the election's close
    day.election.close_voting()
    after = runner.invoke(app, ["urn", "sync", *common[:6]])
    assert "records sent: 1; still queued: 0" in after.output
    again = runner.invoke(app, ["urn", "sync", *common[:6]])
    assert "records sent: 0; still queued: 0" in again.output
    kinds = [e.kind for e in day.board.entries(0, day.board.size)]
    assert kinds.count(EntryKind.PRECINCT_BATCH) == 3 and kinds.count(EntryKind.PRECINCT_PROTOCOL) == 1

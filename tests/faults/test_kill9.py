"""``kill -9`` of the voting server under load, at random moments, at least 20 times (SQLite file; PostgreSQL in the
slow suite): every receipt a voter holds is on the board with a valid inclusion proof, nothing is there twice,
and every tree head signed before a crash is consistent with the last one.

The voters cast a referendum (re-voting off, so a credential must never count twice) from 4 threads over real
HTTP on 127.0.0.1; the kill delay is drawn with `secrets`. A ballot whose request was cut by the crash is sent
again, unchanged, when the server is back, as a phone app would: the server must answer with the original
receipt if the first request had in fact been stored.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board.checkpoint import SignedTreeHead
from tests.faults.casting import Voters, check_nothing_lost_nothing_doubled
from tests.faults.server import PreparedElection, ServerProcess, prepare_election, server_env

CYCLES = int(os.environ.get("SHAILOO_FAULT_CYCLES", "20"))
#: Fewer cycles on PostgreSQL (slow suite): the SQLite run carries the 20-cycle claim, this one the second engine.
PG_CYCLES = int(os.environ.get("SHAILOO_FAULT_PG_CYCLES", "10"))
VOTERS = int(os.environ.get("SHAILOO_FAULT_VOTERS", "260"))
THREADS = 4
#: Ballots per second offered by all voters together: low enough that the queue lasts through every cycle.
RATE = float(os.environ.get("SHAILOO_FAULT_RATE", "12"))
#: The server lives between these many milliseconds after it is ready, then gets SIGKILL.
KILL_AFTER_MS = (150, 900)


def run_kill_cycles(election: PreparedElection, cycles: int) -> dict[str, Any]:
    server = ServerProcess(server_env(election.database_url, election.keys_dir))
    voters = Voters(server.url, election.ballots, THREADS, RATE)
    heads: list[SignedTreeHead] = []
    startups: list[float] = []
    under_load = 0
    started = time.monotonic()
    try:
        voters.start()
        kills = 0
        while under_load < cycles and kills < 2 * cycles:  # every counted kill hits a server taking ballots
            kills += 1
            t0 = time.monotonic()
            server.start()
            startups.append(time.monotonic() - t0)
            heads.append(SignedTreeHead.from_text(httpx.get(server.url + "/v1/board/tree-head").text))
            voters.up.set()
            low, high = KILL_AFTER_MS
            time.sleep((low + secrets.randbelow(high - low)) / 1000)
            under_load += voters.remaining > 0
            server.kill()
            voters.up.clear()
        voters.stop_new.set()  # the voters now only settle the ballots left in doubt by the last crash
        server.start()
        voters.up.set()
        voters.join(timeout=120)
        key = Ed25519PublicKey.from_public_bytes(election.board_public_key)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            counts = check_nothing_lost_nothing_doubled(http, voters.log, key, heads)
    finally:
        server.close()
    assert voters.log.refusals == [], voters.log.refusals[:3]
    return {
        **counts,
        "kills": kills,
        "kills_while_casting": under_load,
        "retries_after_a_crash": voters.log.retries,
        "seconds": round(time.monotonic() - started, 1),
        "restart_seconds_max": round(max(startups[1:] or startups), 2),
    }


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run of CYCLES kills against a SQLite file (the expensive part, shared by the tests below)."""
    tmp = tmp_path_factory.mktemp("kill9")
    with pytest.MonkeyPatch.context() as monkeypatch:
        election = prepare_election(tmp, f"sqlite:///{tmp / 'board.sqlite3'}", VOTERS, monkeypatch=monkeypatch)
    report = run_kill_cycles(election, CYCLES)
    print(json.dumps({"kill_9_sqlite": report}))
    return report


def test_kill_9_under_load_loses_no_receipt_and_doubles_nothing_on_sqlite(sqlite_run: dict[str, Any]) -> None:
    """The assertions are in `run_kill_cycles` / `check_nothing_lost_nothing_doubled`; here: the run was real.
    (``tracking_code_lookups_missing`` is reported, not asserted: the lost index rows are pinned deterministically
    by tests/faults/test_receipt_index.py.)"""
    assert sqlite_run["kills_while_casting"] == CYCLES
    assert sqlite_run["receipts"] > 0 and sqlite_run["retries_after_a_crash"] > 0  # the crashes hit casting


@pytest.mark.slow
@pytest.mark.postgres
def test_kill_9_under_load_loses_no_receipt_and_doubles_nothing_on_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    from tests.server.postgres import fresh_postgres_url

    with fresh_postgres_url(postgres_url) as url:
        election = prepare_election(tmp_path, url, VOTERS, monkeypatch=monkeypatch)
        report = run_kill_cycles(election, PG_CYCLES)
    print(json.dumps({"kill_9_postgres": report}))
    # With only PG_CYCLES kills, a run in which no cast happened to be in flight at a kill is possible (PostgreSQL
    # commits fast); that the kills landed while voters were casting is the condition that makes the run real.
    assert report["receipts"] > 0 and report["kills_while_casting"] == PG_CYCLES

"""PostgreSQL restarted under casting load: the server answers errors while the database is away and recovers on
its own; every receipt a voter holds is on the board with a valid inclusion proof and nothing is there twice.

The database is the machine's shared service, so this test is opt-in (``SHAILOO_FAULT_RESTART_POSTGRES=1``, and
``slow``); it restarts the cluster with ``pg_ctlcluster`` and always checks that PostgreSQL answers again before it
ends, whatever happened.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.faults.casting import Voters, check_nothing_lost_nothing_doubled
from tests.faults.server import ServerProcess, prepare_election, server_env

RESTARTS = 2


def _cluster() -> list[str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def _wait_until_postgres_answers(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            engine = sa.create_engine(url, connect_args={"connect_timeout": 2})
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            return
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(
    os.environ.get("SHAILOO_FAULT_RESTART_POSTGRES") != "1" or not Path("/etc/postgresql").is_dir(),
    reason="restarts the machine's shared PostgreSQL: opt in with SHAILOO_FAULT_RESTART_POSTGRES=1",
)
def test_postgres_restarted_under_load_loses_no_receipt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    from tests.server.postgres import fresh_postgres_url

    with fresh_postgres_url(postgres_url) as url:
        election = prepare_election(tmp_path, url, 120, monkeypatch=monkeypatch)
        server = ServerProcess(server_env(url, election.keys_dir))
        voters = Voters(server.url, election.ballots, threads=4, rate=12)
        try:
            server.start()
            voters.up.set()
            voters.start()
            for _ in range(RESTARTS):
                time.sleep(2.0)
                subprocess.run([*_cluster(), "restart"], check=True, timeout=120)
                _wait_until_postgres_answers(postgres_url)
            voters.join(timeout=180)
            key = Ed25519PublicKey.from_public_bytes(election.board_public_key)
            with httpx.Client(base_url=server.url, timeout=30) as http:
                counts = check_nothing_lost_nothing_doubled(http, voters.log, key, [])
        finally:
            _wait_until_postgres_answers(postgres_url)
            server.close()
    print(json.dumps({"postgres_restart": {**counts, "retries": voters.log.retries, "restarts": RESTARTS}}))
    assert voters.log.refusals == [] and counts["receipts"] == len(election.ballots)
    assert voters.log.retries > 0  # the restarts really hit casting

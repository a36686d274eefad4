"""PostgreSQL restarted under casting load: the server answers errors while the database is away and recovers on
its own; every receipt a voter holds is on the board with a valid inclusion proof and nothing is there twice.

The database is the machine's shared service, so this test is opt-in (``SHAILOO_FAULT_RESTART_POSTGRES=1``, and
``slow``); it restarts the cluster with ``pg_ctlcluster`` and always checks that PostgreSQL answers again before it
ends, whatever happened. A restart is skipped while other clients are connected to other databases.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def _other_clients(admin_url: str, ours: str) -> list[str]:
    """Databases other clients are connected to right now (a restart would cut them off)."""
    from sqlalchemy.engine import make_url

    engine = sa.create_engine(admin_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT datname FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND datname IS DISTINCT FROM :ours"
            ),
            {"ours": make_url(ours).database},
        ).all()
    engine.dispose()
    return [str(r[0]) for r in rows]


def _restart_if_alone(admin_url: str, ours: str) -> bool:
    """Restart the cluster unless someone else is using it at this moment (then the restart is skipped)."""
    if _other_clients(admin_url, ours):
        return False
    subprocess.run([*_cluster(), "restart"], check=True, timeout=120)
    return True


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


@contextmanager
def _own_database(admin_url: str) -> Iterator[str]:
    """A throwaway database, created and dropped with connections that are not pooled (a pooled one would be dead
    after the restart, and the drop would fail)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name = f"shailoo_restart_{secrets.token_hex(6)}"

    def run(statement: str) -> None:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(sa.text(statement))
        engine.dispose()

    run(f'CREATE DATABASE "{name}"')
    try:
        from tests.server.postgres import migrate_to_head

        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        migrate_to_head(url)  # the server makes no table on PostgreSQL: `shailoo db upgrade` does
        yield url
    finally:
        _wait_until_postgres_answers(admin_url)
        run(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        run(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(
    os.environ.get("SHAILOO_FAULT_RESTART_POSTGRES") != "1" or not Path("/etc/postgresql").is_dir(),
    reason="restarts the machine's shared PostgreSQL: opt in with SHAILOO_FAULT_RESTART_POSTGRES=1",
)
def test_postgres_restarted_under_load_loses_no_receipt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    with _own_database(postgres_url) as url:
        election = prepare_election(tmp_path, url, 120, monkeypatch=monkeypatch)
        server = ServerProcess(server_env(url, election.keys_dir))
        voters = Voters(server.url, election.ballots, threads=4, rate=12)
        restarted = 0
        try:
            server.start()
            voters.up.set()
            voters.start()
            for _ in range(RESTARTS):
                time.sleep(2.0)
                restarted += _restart_if_alone(postgres_url, url)
                _wait_until_postgres_answers(postgres_url)
            if not restarted:
                pytest.skip("other clients were using the shared PostgreSQL: no restart was done")
            voters.join(timeout=180)
            key = Ed25519PublicKey.from_public_bytes(election.board_public_key)
            with httpx.Client(base_url=server.url, timeout=30) as http:
                counts = check_nothing_lost_nothing_doubled(http, voters.log, key, [])
        finally:
            _wait_until_postgres_answers(postgres_url)
            server.close()
    print(json.dumps({"postgres_restart": {**counts, "retries": voters.log.retries, "restarts": restarted}}))
    assert voters.log.refusals == [] and counts["receipts"] == len(election.ballots)
    assert voters.log.retries > 0  # the restarts really hit casting

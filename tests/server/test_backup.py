"""Backup and restore of a board database on a real PostgreSQL, as docs/deploy.md ("Backups and restore") says:
``pg_dump --format=custom`` of the ballot box's database during an election, ``pg_restore`` into a new database,
and a server started on the restored database serves the same signed tree head and the same board export, which
verifies offline. The migrations' version table comes along, so the restored database is at head and the server
starts on it without a step of its own.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from bulletin_board.export import verify_export
from tests.conftest import IN_CI
from tests.server.harness import Election
from tests.server.postgres import fresh_postgres_url
from voting_server import schema
from voting_server.app import create_app
from voting_server.settings import Settings

pytestmark = pytest.mark.postgres

BOARD_KEY = "5e" * 32


def libpq(url: str) -> str:
    """The SQLAlchemy URL as the PostgreSQL tools take it (no ``+psycopg``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} not found on PATH (install the PostgreSQL client tools)"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: the backup test must run)")
        pytest.skip(reason)
    return path


def test_a_board_restored_from_pg_dump_serves_the_same_tree_head_and_export(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_dump, pg_restore = tool("pg_dump"), tool("pg_restore")
    monkeypatch.setenv("SHAILOO_BOARD_SIGNING_KEY", BOARD_KEY)  # the board's key is kept apart from its database
    dump = tmp_path / "board.dump"
    with fresh_postgres_url(postgres_url) as url:
        # A small election: set up, three voters cast, the board signs a head over everything.
        election = Election(tmp_path, preset="referendum", database_url=url).setup_to_voting()
        try:
            for i in range(3):
                client, credential = election.credential()
                client.cast(client.prepare_ballot(credential, election.marks_for(credential, i % 2)))
            election.components.board.integrate()
            head = election.http.get("/v1/board/tree-head").text
            export = election.http.get("/v1/board/export").content
        finally:
            election.close()
        # The backup, while the database is in use (pg_dump reads one consistent snapshot).
        subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={dump}", libpq(url)], check=True)

    with fresh_postgres_url(postgres_url, migrate=False) as restored:
        subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={libpq(restored)}", str(dump)], check=True
        )
        engine = sa.create_engine(restored)
        try:
            assert all(s.up_to_date for s in schema.status(engine, schema.BRANCHES))
        finally:
            engine.dispose()
        app = create_app(Settings(database_url=restored, min_issuer_key_bits=2048, log_level="WARNING"))
        http = TestClient(app, base_url="http://shailoo.test")
        try:
            assert http.get("/v1/board/tree-head").text == head
            restored_export = http.get("/v1/board/export").content
        finally:
            app.state.components.stop()
            app.state.components.storage.close()
            http.close()
    assert restored_export == export
    path = tmp_path / "restored.jsonl"
    path.write_bytes(restored_export)
    with path.open("rb") as f:
        summary = verify_export(f)
    assert summary.size == int(head.splitlines()[1]) > 3  # the checkpoint's second line is its tree size
    board_key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(BOARD_KEY)).public_key()
    assert summary.log_key == board_key.public_bytes(Encoding.Raw, PublicFormat.Raw)

"""The server's PostgreSQL schema by migrations (`voting_server.schema`, `shailoo db`), against a real PostgreSQL:
a fresh, uniquely named database per test, dropped after it.

* upgrade from an empty database, and the migrated schema equals the models (Alembic's autogenerate comparison finds
  nothing: a model changed without its migration fails here);
* a database made by the server's ``create_all`` before migrations, holding rows, is recognised, stamped and
  upgraded, every row kept; one that differs from that schema is refused and left untouched;
* downgrade to base and up again; one role's tables only;
* the server refuses to start on a database behind the code (``schema_out_of_date``), as one line from ``shailoo
  serve``, and makes no table.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from cli.main import app
from tests.server.postgres import fresh_postgres_url
from voting_server import schema
from voting_server.components import build_components
from voting_server.settings import ServerRole, Settings

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
BEFORE_MIGRATIONS_SQL = Path(__file__).parent / "data" / "schema_before_migrations.sql"
ORIGIN = "migrations.shailoo.test/board"
IDENTITY_TABLES = {
    "identity_audit",
    "identity_face_review",
    "identity_identification",
    "identity_issuance",
    "identity_issuance_gate",
    "identity_registry_generation",
    "identity_voter",
    "registrar_cabinet_application",
}


@pytest.fixture
def empty_url(postgres_url: str) -> Iterator[str]:
    with fresh_postgres_url(postgres_url, migrate=False) as url:
        yield url


@pytest.fixture
def engine(empty_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(empty_url)
    yield engine
    engine.dispose()


def tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def model_differences(engine: sa.Engine, branches: tuple[str, ...] = schema.BRANCHES) -> list[object]:
    with engine.connect() as conn:
        return schema.differences(conn, schema.models_metadata(branches))


def at_heads(engine: sa.Engine, branches: tuple[str, ...] = schema.BRANCHES) -> bool:
    return all(s.up_to_date for s in schema.status(engine, branches))


def load_schema_before_migrations(engine: sa.Engine) -> None:
    """Make the schema the server's create_all made before migrations (committed as SQL, see its header)."""
    text = "\n".join(line for line in BEFORE_MIGRATIONS_SQL.read_text().splitlines() if not line.startswith("--"))
    with engine.begin() as conn:
        for statement in filter(None, (s.strip() for s in text.split(";\n"))):
            conn.exec_driver_sql(statement.removesuffix(";"))


def fill_with_rows(url: str, engine: sa.Engine) -> str:
    """A board with entries and a signed tree head, and a row in each server and identity table; returns the
    board's latest signed tree head (its note)."""
    storage = open_storage(url, create=False)
    board = BulletinBoard(storage, Ed25519PrivateKey.generate(), origin=ORIGIN)
    board.append("manifest", {"election": "before migrations"})
    for n in range(5):
        board.append("complaint", {"n": n}, dedup_key=f"complaint:{n}")
    head = board.integrate().to_text()
    storage.close()
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO server_receipt VALUES ('TRACK-1', :h, 3, 'ballot')"), {"h": hashlib.sha256().digest()}
        )
        conn.execute(
            sa.text("INSERT INTO server_complaint VALUES ('C-1', 'other', 'voter', 'a text', 2, NULL, NULL, NULL)")
        )
        conn.execute(sa.text("INSERT INTO server_complaint_attachment VALUES ('C-1', 0, 'image/png', '\\x89504e47')"))
        conn.execute(sa.text("INSERT INTO board_cosignature VALUES (6, 'w1', '\\x01', '\\x02', 5, '\\x03')"))
        conn.execute(sa.text("INSERT INTO identity_registry_generation VALUES (1, 4)"))
        conn.execute(
            sa.text("INSERT INTO identity_face_review VALUES (1, '1', '2', 0.3, 'import', now(), '', '', NULL)")
        )
        conn.execute(sa.text("INSERT INTO identity_voter VALUES ('21234567890123', 'r1', 'd1', 'p1', '\\x00ff')"))
        conn.execute(sa.text("INSERT INTO identity_identification VALUES (7, 'e1', 'vh', 'app', now())"))
        conn.execute(sa.text("INSERT INTO identity_issuance VALUES (8, 7, 'e1', 's1', 'vh', true)"))
        conn.execute(sa.text("INSERT INTO identity_issuance_gate VALUES ('e1', false, 1)"))
        conn.execute(sa.text("INSERT INTO identity_audit VALUES (9, now(), 'issued', 'e1', 'vh', 'app', 'ok')"))
        conn.execute(
            sa.text("INSERT INTO registrar_cabinet_application VALUES ('e1', 'vh', 'A-1', 'app', NULL, 's1', 's2', 1)")
        )
    return head


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every Shailoo table, in primary-key order."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    metadata = schema.models_metadata()
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
    return rows


# --- upgrade from empty, and the models ---------------------------------------------------------------------------


def test_upgrade_from_an_empty_database_makes_every_table_at_head(engine: sa.Engine) -> None:
    done = schema.upgrade(engine, schema.BRANCHES)
    assert done == [
        f"board: empty -> {schema.heads()['board']}",
        f"registrar: empty -> {schema.heads()['registrar']}",
    ]
    assert at_heads(engine)
    assert {t.name for t in schema.models_metadata().sorted_tables} <= tables(engine)
    with engine.connect() as conn:  # the rows the code expects exist: the board's state, the register's generation
        assert conn.execute(sa.text("SELECT id, size, phase FROM board_state")).all() == [(1, 0, "setup")]
        assert conn.execute(sa.text("SELECT id, generation FROM identity_registry_generation")).all() == [(1, 0)]
    assert schema.upgrade(engine, schema.BRANCHES) == []  # twice is nothing


def test_the_migrated_schema_equals_the_models_so_a_model_change_needs_a_migration(engine: sa.Engine) -> None:
    """Alembic's autogenerate comparison of the migrated database with every table the code declares: a column,
    index or constraint added to a model without a revision that adds it makes this fail."""
    schema.upgrade(engine, schema.BRANCHES)
    assert model_differences(engine) == []


def test_a_ballot_box_database_gets_no_identity_table(engine: sa.Engine) -> None:
    schema.upgrade(engine, schema.branches_for(ServerRole.BALLOT_BOX))
    assert not tables(engine) & IDENTITY_TABLES
    assert model_differences(engine, (schema.BOARD,)) == []
    assert at_heads(engine, (schema.BOARD,))
    assert not at_heads(engine, (schema.REGISTRAR,))


def test_a_registrar_database_gets_only_the_registrar_tables(engine: sa.Engine) -> None:
    schema.upgrade(engine, schema.branches_for(ServerRole.REGISTRAR))
    assert tables(engine) - {"alembic_version"} == IDENTITY_TABLES
    assert model_differences(engine, (schema.REGISTRAR,)) == []


# --- a database made before migrations ----------------------------------------------------------------------------


def test_a_database_made_before_migrations_is_recognised_and_upgraded_with_every_row(
    empty_url: str, engine: sa.Engine
) -> None:
    load_schema_before_migrations(engine)
    head = fill_with_rows(empty_url, engine)
    before = snapshot(engine)
    assert all(before.values()), [name for name, rows in before.items() if not rows]  # a row in every table

    done = schema.upgrade(engine, schema.BRANCHES)

    assert done == [
        "board: tables made before migrations recognised, stamped 0001_board_baseline",
        "registrar: tables made before migrations recognised, stamped 0001_registrar_baseline",
        f"board: 0001_board_baseline -> {schema.heads()['board']}",
    ]
    assert snapshot(engine) == before
    assert model_differences(engine) == []
    # The server starts on it and serves the same signed tree head.
    components = build_components(Settings(database_url=empty_url, board_origin=ORIGIN, min_issuer_key_bits=2048))
    try:
        assert components.board.tree_head().to_text() == head
    finally:
        components.stop()
        components.storage.close()


def test_a_database_unlike_the_schema_before_migrations_is_refused_and_left_as_it_was(
    empty_url: str, engine: sa.Engine
) -> None:
    """The recognition compares the tables with the baseline before stamping: a board table with a column of its
    own (here one dropped) is not taken for Shailoo's."""
    load_schema_before_migrations(engine)
    fill_with_rows(empty_url, engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE board_tree_head DROP COLUMN key_id")
    before = snapshot_without(engine, "board_tree_head")

    with pytest.raises(schema.SchemaUnrecognisedError, match="differ from the schema Shailoo made before migrations"):
        schema.upgrade(engine, schema.BRANCHES)

    assert snapshot_without(engine, "board_tree_head") == before
    assert "alembic_version" not in tables(engine)  # not even the version table: the transaction rolled back
    with engine.connect() as conn:
        assert "ix_board_entry_kind_idx" not in {i["name"] for i in sa.inspect(conn).get_indexes("board_entry")}


def snapshot_without(engine: sa.Engine, skipped: str) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            name: sorted(tuple(r) for r in conn.execute(sa.text(f'SELECT * FROM "{name}"')))
            for name in sorted(sa.inspect(conn).get_table_names())
            if name != skipped
        }


def test_a_database_with_only_some_of_a_branchs_tables_is_refused(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE board_entry (idx BIGINT PRIMARY KEY)")
    with pytest.raises(schema.SchemaUnrecognisedError, match="some of the board tables"):
        schema.upgrade(engine, schema.BRANCHES)
    assert tables(engine) == {"board_entry"}


# --- downgrade ----------------------------------------------------------------------------------------------------


def test_downgrade_to_base_and_up_again(engine: sa.Engine) -> None:
    schema.upgrade(engine, schema.BRANCHES)
    assert schema.downgrade(engine, schema.BRANCHES, "0001_board_baseline") == [
        f"board: {schema.heads()['board']} -> 0001_board_baseline"
    ]
    with engine.connect() as conn:
        assert "ix_board_entry_kind_idx" not in {i["name"] for i in sa.inspect(conn).get_indexes("board_entry")}
    assert not at_heads(engine)

    schema.downgrade(engine, schema.BRANCHES, "base")
    assert tables(engine) == {"alembic_version"}
    assert schema.status(engine, schema.BRANCHES)[0].current is None

    schema.upgrade(engine, schema.BRANCHES)
    assert at_heads(engine)
    assert model_differences(engine) == []


def test_an_unknown_revision_is_refused(engine: sa.Engine) -> None:
    schema.upgrade(engine, schema.BRANCHES)
    with pytest.raises(schema.InvalidRevisionError, match="not a revision"):
        schema.downgrade(engine, schema.BRANCHES, "0009_nothing")
    with pytest.raises(schema.InvalidRevisionError, match="downgrade"):
        schema.upgrade(engine, schema.BRANCHES, "base")
    with engine.begin() as conn:  # a database upgraded by a newer Shailoo
        conn.execute(
            sa.text("UPDATE alembic_version SET version_num = '0099_from_the_future' WHERE version_num LIKE '%board%'")
        )
    with pytest.raises(schema.SchemaUnrecognisedError, match="newer version"):
        schema.status(engine, schema.BRANCHES)


def test_two_upgrades_at_once_make_the_schema_once(engine: sa.Engine) -> None:
    """The advisory lock serialises them: the second finds the first's work and does nothing."""
    results: list[object] = []

    def run() -> None:
        try:
            results.append(schema.upgrade(engine, schema.BRANCHES))
        except Exception as e:
            results.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r) if isinstance(r, list) else -1 for r in results) == [0, 2], results
    assert at_heads(engine)


# --- the server ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["empty", "before migrations", "one revision behind"])
def test_the_server_refuses_a_database_behind_the_code_and_makes_no_table(
    empty_url: str, engine: sa.Engine, state: str
) -> None:
    if state == "before migrations":
        load_schema_before_migrations(engine)
    elif state == "one revision behind":
        schema.upgrade(engine, schema.BRANCHES)
        schema.downgrade(engine, schema.BRANCHES, "0001_board_baseline")
    before = tables(engine)

    with pytest.raises(schema.SchemaOutOfDateError, match="shailoo db upgrade --role all") as refused:
        build_components(Settings(database_url=empty_url, min_issuer_key_bits=2048))

    assert refused.value.code == "schema_out_of_date"
    assert tables(engine) == before


def test_a_registrar_refuses_its_own_database_or_the_board_database_behind(postgres_url: str) -> None:
    with (
        fresh_postgres_url(postgres_url, migrate=False) as board_url,
        fresh_postgres_url(postgres_url, migrate=False) as registrar_url,
    ):
        settings = Settings(
            role=ServerRole.REGISTRAR,
            database_url=registrar_url,
            board_database_url=board_url,
            min_issuer_key_bits=2048,
        )
        board_engine, registrar_engine = sa.create_engine(board_url), sa.create_engine(registrar_url)
        try:
            with pytest.raises(
                schema.SchemaOutOfDateError,
                match=r"board database .*--role ballot-box --database-url <SHAILOO_BOARD_DATABASE_URL>",
            ):
                build_components(settings)
            schema.upgrade(board_engine, schema.branches_for(ServerRole.BALLOT_BOX))
            with pytest.raises(schema.SchemaOutOfDateError, match=r"registrar's database .*--role registrar"):
                build_components(settings)
            schema.upgrade(registrar_engine, schema.branches_for(ServerRole.REGISTRAR))
            components = build_components(settings)
            components.stop()
            components.storage.close()
            assert not tables(board_engine) & IDENTITY_TABLES  # the registrar wrote nothing of its own there
        finally:
            board_engine.dispose()
            registrar_engine.dispose()


def shailoo(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``shailoo ARGS`` in a process of its own (the entry point that turns errors into one line), in ``cwd``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHAILOO_")}
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import run; run()", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_shailoo_serve_refuses_in_one_line_until_shailoo_db_upgrade(
    empty_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    refused = shailoo(["serve", "--database-url", empty_url, "--port", "1"], tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("error (schema_out_of_date): "), refused.stderr
    assert "shailoo db upgrade" in refused.stderr
    assert tables(engine) == set()

    runner = CliRunner()
    behind = runner.invoke(app, ["db", "current", "--database-url", empty_url])
    assert behind.exit_code == 1 and "no revision" in behind.output
    upgraded = runner.invoke(app, ["db", "upgrade", "--database-url", empty_url])
    assert upgraded.exit_code == 0, upgraded.output
    current = runner.invoke(app, ["db", "current", "--database-url", empty_url])
    assert current.exit_code == 0 and "up to date" in current.output
    components = build_components(Settings(database_url=empty_url, min_issuer_key_bits=2048))  # starts now
    components.stop()
    components.storage.close()
    unconfirmed = runner.invoke(app, ["db", "downgrade", "--database-url", empty_url, "--to", "base"])
    assert unconfirmed.exit_code == 1 and at_heads(engine)
    downgraded = runner.invoke(app, ["db", "downgrade", "--database-url", empty_url, "--to", "base", "--yes"])
    assert downgraded.exit_code == 0 and tables(engine) == {"alembic_version"}


def test_sqlite_is_not_migrated_and_the_server_still_makes_its_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dev.sqlite3'}"
    refused = shailoo(["db", "upgrade", "--database-url", url], tmp_path)
    assert refused.returncode == 2 and refused.stderr.startswith("error (not_supported): "), refused.stderr
    components = build_components(Settings(database_url=url, min_issuer_key_bits=2048))
    try:
        assert components.board.size == 0
    finally:
        components.stop()
        components.storage.close()

"""A fresh PostgreSQL database per test (the board, identity and server tables all live in one database).

The server makes no table on PostgreSQL (`voting_server.schema`): by default the database is brought to the
migrations' head, as ``shailoo db upgrade`` does before ``shailoo serve``; ``migrate=False`` leaves it empty.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def migrate_to_head(url: str) -> None:
    """Bring every table of a role-``all`` server in ``url`` to the migrations' head."""
    from voting_server import schema

    engine = sa.create_engine(url)
    try:
        schema.upgrade(engine, schema.BRANCHES)
    finally:
        engine.dispose()


@contextmanager
def fresh_postgres_url(admin_url: str, *, migrate: bool = True) -> Iterator[str]:
    """Create a throwaway database next to ``admin_url``'s (migrated to head unless ``migrate=False``) and drop it
    afterwards."""
    name = f"shailoo_test_{secrets.token_hex(6)}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        if migrate:
            migrate_to_head(url)
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()

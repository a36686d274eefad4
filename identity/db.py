"""Database plumbing of the identity package: its own table metadata and engines for SQLite and PostgreSQL.

The identity tables live in their own SQLModel registry, so `create_identity_tables` creates only them, whatever
other packages declared.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import SQLModel, create_engine


class IdentityTable(SQLModel, registry=registry()):
    """Base of every identity table (a separate metadata from the rest of Shailoo)."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite gets a 30 s busy timeout and foreign keys, so concurrent writers queue."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # The sqlite3 module's own transaction handling breaks SAVEPOINT (used by the CSV import to drop one
            # row without the others); let SQLAlchemy emit BEGIN itself instead.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def create_identity_tables(engine: Engine) -> None:
    """Create the identity tables that do not exist yet."""
    IdentityTable.metadata.create_all(engine)

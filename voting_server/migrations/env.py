"""Alembic's environment for Shailoo (`voting_server.schema`): migrations run on the connection the caller gives
(``config.attributes["connection"]``), inside the caller's transaction, against the models' metadata."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from voting_server.schema import VERSION_TABLE, models_metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn: sa.engine.Connection) -> None:
    context.configure(
        connection=conn,
        target_metadata=models_metadata(),
        version_table=VERSION_TABLE,
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Shailoo's migrations run against a database (`shailoo db upgrade`), not as SQL scripts")
if connection is not None:
    _run(connection)
else:  # the alembic command line, with sqlalchemy.url in its own configuration
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()

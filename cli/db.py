"""``shailoo db``: the server's PostgreSQL schema, by Alembic migrations (`voting_server.schema`, docs/deploy.md).

``upgrade`` brings a database to the schema this Shailoo needs (recognising one made before migrations), ``current``
says where it is (exit 1 when behind, so a deployment script can test it), ``downgrade`` takes it back (``base``
drops every table of the role and every row in them: it asks for ``--yes``). Every command names the role whose tables
it means, as ``shailoo serve`` does: ``all`` (one server), ``ballot-box`` (the board's database) or ``registrar`` (its
own database). SQLite databases are made by the server when it starts and are not migrated.
"""

from __future__ import annotations

from typing import Annotated

import typer

from voting_server.settings import ServerRole

db_app = typer.Typer(
    name="db",
    help="The server's PostgreSQL schema: upgrade (before `shailoo serve`), current, downgrade.",
    no_args_is_help=True,
)

DatabaseUrlOption = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="SHAILOO_DATABASE_URL",
        help="SQLAlchemy URL of the database, e.g. postgresql+psycopg://user@host/db (as for `shailoo serve`)",
    ),
]
RoleOption = Annotated[
    ServerRole,
    typer.Option(
        "--role",
        envvar="SHAILOO_ROLE",
        help="Whose tables: all (one server), ballot-box (board database) or registrar (its own database)",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


def _engine(url: str):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.create_engine(url, connect_args={"connect_timeout": 10} if url.startswith("postgresql") else {})


def _shown(url: str) -> str:
    return url.split("@")[-1]


@db_app.command("upgrade")
def upgrade(
    database_url: DatabaseUrlOption,
    role: RoleOption = ServerRole.ALL,
    to: Annotated[str, typer.Option("--to", help="head, or a revision (see `shailoo db current`)")] = "head",
) -> None:
    """Bring the database to the schema this Shailoo needs (one transaction: all of it, or nothing)."""
    from voting_server import schema

    engine = _engine(database_url)
    try:
        done = schema.upgrade(engine, schema.branches_for(role), to)
        states = schema.status(engine, schema.branches_for(role))
    finally:
        engine.dispose()
    for line in done:
        typer.echo(line)
    typer.echo(
        f"{_shown(database_url)}: "
        + ", ".join(f"{s.branch} at {s.current}" for s in states)
        + ("" if done else " (nothing to do)")
    )


@db_app.command("current")
def current(database_url: DatabaseUrlOption, role: RoleOption = ServerRole.ALL) -> None:
    """Where each branch of the database is, and whether this Shailoo can serve it (exit 1 if not)."""
    from voting_server import schema

    engine = _engine(database_url)
    try:
        states = schema.status(engine, schema.branches_for(role))
    finally:
        engine.dispose()
    for state in states:
        verdict = "up to date" if state.up_to_date else "behind: run `shailoo db upgrade`"
        typer.echo(f"{state.branch}: {state.current or 'no revision'} (head {state.head}) {verdict}")
    if not all(s.up_to_date for s in states):
        raise typer.Exit(code=1)


@db_app.command("downgrade")
def downgrade(
    database_url: DatabaseUrlOption,
    to: Annotated[str, typer.Option("--to", help="base (no tables) or a revision to go back to")],
    role: RoleOption = ServerRole.ALL,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: a downgrade drops what later revisions added")] = False,
) -> None:
    """Take the database back to an earlier revision (``base``: drop every table of the role, with its rows)."""
    from voting_server import schema

    if not yes:
        typer.echo(
            f"error (confirmation_required): downgrading {_shown(database_url)} to {to} drops what later revisions "
            "added (to base: every table and row of the role); back it up, then run again with --yes",
            err=True,
        )
        raise typer.Exit(code=1)
    engine = _engine(database_url)
    try:
        done = schema.downgrade(engine, schema.branches_for(role), to)
    finally:
        engine.dispose()
    for line in done or [f"{_shown(database_url)}: nothing to do"]:
        typer.echo(line)

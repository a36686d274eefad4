"""The server's database schema on PostgreSQL, kept by Alembic migrations (docs/deploy.md, "Migrations").

Two independent branches of revisions in `voting_server/migrations/versions`, one per kind of database:

* ``board``: the ballot box's database: the board (``board_*``) and what the server keeps beside it
  (``server_receipt``, ``server_complaint``, ``server_complaint_attachment``);
* ``registrar``: the registrar's database: the identity tables (``identity_*``) and the voter cabinet
  (``registrar_cabinet_application``).

A server of role ``all`` keeps both in one database; a ballot box only ``board``; a registrar only ``registrar`` in
its own database (and needs the ballot box's at ``board`` head). Both branches share one version table,
``alembic_version``, with one row per branch.

On PostgreSQL the server never makes a table: `check_current` refuses to start (`SchemaOutOfDateError`,
``schema_out_of_date``) unless every branch of its role is at its head, and only `upgrade` (``shailoo db upgrade``)
changes the schema. SQLite (development, the demo) keeps making its tables when the server starts, with no version.

A database made before the migrations (by the server's ``create_all``) has every table of a branch and no version
row: `upgrade` compares it with the branch's baseline revision (the schema as it was then, frozen in the revision
file) and stamps it at that revision when they are equal, then upgrades it; any difference is refused
(`SchemaUnrecognisedError`) rather than guessed at. Everything one `upgrade` or `downgrade` does is one transaction
(PostgreSQL has transactional DDL) under an advisory lock, so it either happens whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from voting_server.settings import ServerRole

if TYPE_CHECKING:  # Alembic itself is imported when a schema is checked or migrated (a third of a second)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

BOARD: Final = "board"
REGISTRAR: Final = "registrar"
BRANCHES: Final = (BOARD, REGISTRAR)
#: The first revision of each branch: the schema as the server's ``create_all`` made it before migrations.
BASELINES: Final = {BOARD: "0001_board_baseline", REGISTRAR: "0001_registrar_baseline"}
SCRIPT_LOCATION: Final = "voting_server:migrations"
VERSION_TABLE: Final = "alembic_version"
#: The key of the advisory lock held by an upgrade or downgrade (two at once would race on the version table).
_LOCK_KEY: Final = 0x5348_414C_4F4F  # "SHALOO"


class SchemaError(Exception):
    """A database whose schema this server cannot use or cannot migrate; ``code`` is stable, the message says what
    to do."""

    code = "schema_error"


class SchemaOutOfDateError(SchemaError):
    """The database is not at the revision this Shailoo needs (no schema yet, or an older one)."""

    code = "schema_out_of_date"


class SchemaUnrecognisedError(SchemaError):
    """The database holds tables or a revision this Shailoo does not know, and will not be touched."""

    code = "schema_unrecognised"


class InvalidRevisionError(SchemaError):
    """A target that is not ``head``, ``base`` (downgrade only) or a revision of the role's branches."""

    code = "invalid_revision"


class NotMigratedError(SchemaError):
    """Migrations are for PostgreSQL: a SQLite database is made by the server itself when it starts."""

    code = "not_supported"


def branches_for(role: ServerRole) -> tuple[str, ...]:
    """The branches a server of ``role`` keeps in its own database (``SHAILOO_DATABASE_URL``)."""
    return {ServerRole.ALL: BRANCHES, ServerRole.BALLOT_BOX: (BOARD,), ServerRole.REGISTRAR: (REGISTRAR,)}[role]


def is_postgres(url_or_engine: str | Engine) -> bool:
    if isinstance(url_or_engine, Engine):
        return url_or_engine.dialect.name == "postgresql"
    return sa.engine.make_url(url_or_engine).get_backend_name() == "postgresql"


# --- what the models say ------------------------------------------------------------------------------------------


def models_metadata(branches: Sequence[str] = BRANCHES) -> sa.MetaData:
    """The tables the code declares, for ``branches``, copied into one `MetaData` (the target of migrations and of
    the comparison that finds a model change without its migration)."""
    from bulletin_board.storage import TABLES
    from voting_server import cabinet, complaints, receipts

    tables: list[sa.Table] = []
    if BOARD in branches:
        tables += [*TABLES, receipts.RECEIPT, complaints.COMPLAINT, complaints.ATTACHMENT]
    if REGISTRAR in branches:
        # Every identity module that declares a table, so the registry's metadata holds all of them.
        import identity.audit
        import identity.issuance
        import identity.registry
        import identity.review  # noqa: F401
        from identity.db import IdentityTable

        tables += [*IdentityTable.metadata.sorted_tables, cabinet.APPLICATION]
    metadata = sa.MetaData()
    for table in tables:
        table.to_metadata(metadata)
    return metadata


# --- Alembic plumbing -----------------------------------------------------------------------------------------------


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for Shailoo's revisions; ``connection`` is the one the migrations run on."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("version_table", VERSION_TABLE)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def branch_revisions(script: ScriptDirectory, branch: str) -> list[str]:
    """Every revision of ``branch``, newest first."""
    return [r.revision for r in script.iterate_revisions(f"{branch}@head", "base")]


def heads(branches: Sequence[str] = BRANCHES) -> dict[str, str]:
    """The newest revision of each branch: what this Shailoo needs."""
    script = script_directory()
    return {b: branch_revisions(script, b)[0] for b in branches}


def _current(connection: Connection, script: ScriptDirectory, branches: Sequence[str]) -> dict[str, str | None]:
    from alembic.runtime.migration import MigrationContext

    stamped = set(MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_heads())
    current: dict[str, str | None] = {}
    for branch in branches:
        known = branch_revisions(script, branch)
        mine = [r for r in known if r in stamped]
        current[branch] = mine[0] if mine else None
    unknown = stamped - {r for b in BRANCHES for r in branch_revisions(script, b)}
    if unknown:
        raise SchemaUnrecognisedError(
            f"the database is at revision {', '.join(sorted(unknown))}, which this Shailoo does not know "
            "(made by a newer version?): run the Shailoo that upgraded it, or downgrade it with that version"
        )
    return current


def current(engine: Engine, branches: Sequence[str] = BRANCHES) -> dict[str, str | None]:
    """The revision each branch of the database is at (None: not stamped)."""
    with engine.connect() as connection:
        return _current(connection, script_directory(), branches)


def _require_postgres(engine: Engine) -> None:
    if not is_postgres(engine):
        raise NotMigratedError(
            "migrations are for PostgreSQL; a SQLite database is made by `shailoo serve` or `shailoo demo` when they "
            "start (development only)"
        )


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the migration lock."""
    _require_postgres(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        yield connection


# --- recognising a database made before migrations --------------------------------------------------------------


def baseline_metadata(branch: str) -> sa.MetaData:
    """The schema of ``branch``'s baseline revision (frozen in its revision file)."""
    module = script_directory().get_revision(BASELINES[branch]).module
    metadata: sa.MetaData = module.baseline_metadata()
    return metadata


def differences(connection: Connection, metadata: sa.MetaData) -> list[Any]:
    """What Alembic's autogenerate finds between the database and ``metadata``, for ``metadata``'s tables only."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    names = set(metadata.tables)

    def include_name(name: str | None, type_: str, _parent: Any) -> bool:
        return type_ != "table" or name in names

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True, "include_name": include_name}
    )
    return list(compare_metadata(context, metadata))


def _recognise(connection: Connection, config: Config, branch: str) -> str | None:
    """Stamp ``branch`` at its baseline if the database holds exactly the baseline's tables without a version row;
    returns what was done, None for a database without any of them (a fresh one)."""
    from alembic import command

    frozen = baseline_metadata(branch)
    names = set(frozen.tables)
    present = names & set(sa.inspect(connection).get_table_names())
    if not present:
        return None
    if present != names:
        raise SchemaUnrecognisedError(
            f"the database has some of the {branch} tables ({', '.join(sorted(present))}) but not "
            f"{', '.join(sorted(names - present))} and no migration version: restore it from a backup or move its "
            "data to a fresh database"
        )
    found = differences(connection, frozen)
    if found:
        raise SchemaUnrecognisedError(
            f"the {branch} tables differ from the schema Shailoo made before migrations ({_describe(found[0])}"
            f"{f' and {len(found) - 1} more' if len(found) > 1 else ''}): not stamped, nothing changed"
        )
    command.stamp(config, BASELINES[branch])
    return f"{branch}: tables made before migrations recognised, stamped {BASELINES[branch]}"


def _describe(difference: Any) -> str:
    if isinstance(difference, tuple) and difference:
        op = difference[0]
        subject = next((getattr(x, "name", None) for x in difference[1:] if getattr(x, "name", None)), "")
        return f"{op} {subject}".strip()
    if isinstance(difference, list) and difference:
        return _describe(difference[0])
    return str(difference)


# --- the commands -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    branch: str
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def status(engine: Engine, branches: Sequence[str]) -> list[Status]:
    """Where each branch is and where it should be."""
    _require_postgres(engine)
    with engine.connect() as connection:
        script = script_directory()
        now = _current(connection, script, branches)
        return [Status(b, now[b], branch_revisions(script, b)[0]) for b in branches]


def upgrade(engine: Engine, branches: Sequence[str], target: str = "head") -> list[str]:
    """Bring ``branches`` to ``target`` (``head`` or a revision of one of them): recognise a database made before
    migrations, then apply the missing revisions. Returns one line per thing done. All or nothing."""
    from alembic import command

    if target == "base":
        raise InvalidRevisionError("an upgrade goes to head or a revision; to go back to base, downgrade")
    done: list[str] = []
    with _migrating(engine) as connection:
        config = alembic_config(connection)
        script = script_directory()
        now = _current(connection, script, branches)
        for branch in branches:
            if now[branch] is None:
                recognised = _recognise(connection, config, branch)
                if recognised:
                    done.append(recognised)
        for branch in _targets(script, branches, target):
            before = _current(connection, script, (branch,))[branch]
            command.upgrade(config, f"{branch}@head" if target == "head" else target)
            after = _current(connection, script, (branch,))[branch]
            if after != before:
                done.append(f"{branch}: {before or 'empty'} -> {after}")
    return done


def downgrade(engine: Engine, branches: Sequence[str], target: str) -> list[str]:
    """Take ``branches`` back to ``target`` (``base``: no tables at all, every row gone; or a revision). All or
    nothing."""
    from alembic import command

    done: list[str] = []
    with _migrating(engine) as connection:
        config = alembic_config(connection)
        script = script_directory()
        for branch in _targets(script, branches, target):
            before = _current(connection, script, (branch,))[branch]
            if before is None:
                continue
            command.downgrade(config, f"{branch}@base" if target == "base" else target)
            after = _current(connection, script, (branch,))[branch]
            done.append(f"{branch}: {before} -> {after or 'base'}")
    return done


def _targets(script: ScriptDirectory, branches: Sequence[str], target: str) -> list[str]:
    """The branches a target applies to: all of ``branches`` for head/base, else the one holding the revision."""
    if target in ("head", "base"):
        return list(branches)
    holding = [b for b in branches if target in branch_revisions(script, b)]
    if not holding:
        raise InvalidRevisionError(
            f"{target!r} is not a revision of {' or '.join(branches)}: give head, base or one of "
            f"{', '.join(r for b in branches for r in branch_revisions(script, b))}"
        )
    return holding


def check_current(
    engine: Engine,
    branches: Sequence[str],
    *,
    role: ServerRole,
    what: str = "database",
    url_setting: str = "SHAILOO_DATABASE_URL",
) -> None:
    """Refuse (`SchemaOutOfDateError`) unless every one of ``branches`` is at its head; a server calls this before
    it reads or writes anything. The message names the command that fixes it: ``shailoo db upgrade --role ROLE``
    on the database of ``url_setting``."""
    for state in status(engine, branches):
        if state.up_to_date:
            continue
        if state.current is None:
            has_tables = bool(set(baseline_metadata(state.branch).tables) & set(_table_names(engine)))
            found = "tables made before migrations" if has_tables else "no schema"
        else:
            found = f"revision {state.current}"
        raise SchemaOutOfDateError(
            f"the {what} ({state.branch} tables) has {found}, this Shailoo needs {state.head}: run "
            f"`shailoo db upgrade --role {role.value} --database-url <{url_setting}>`, then start again"
        )


def _table_names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sa.inspect(connection).get_table_names()

"""``shailoo registry …``: fill and inspect the voter registry of the identity service.

Settings come from the environment (``SHAILOO_IDENTITY_DATABASE_URL``, ``SHAILOO_IDENTITY_TEMPLATE_KEY``, …,
see docs/identity.md); ``--database-url`` overrides the database.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

registry_app = typer.Typer(help="The voter registry: CSV import, enrolment templates.", no_args_is_help=True)
DatabaseOption = Annotated[str | None, typer.Option("--database-url", help="overrides SHAILOO_IDENTITY_DATABASE_URL")]


def register(app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry")


@registry_app.command("import")
def import_csv(
    csv_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    database_url: DatabaseOption = None,
) -> None:
    """Import voters from CSV; print the rows rejected (line, reason). Exit code 1 if any row was rejected."""
    from identity.db import make_engine
    from identity.registry import SqlVoterRegistry
    from identity.settings import IdentitySettings

    settings = IdentitySettings()
    registry = SqlVoterRegistry(make_engine(database_url or settings.database_url), settings.template_key_bytes)
    report = registry.import_csv(csv_file)
    console = Console()
    console.print(f"imported: {report.imported}   rejected: {len(report.rejected)}")
    if report.rejected:
        table = Table("line", "reason", "detail")
        for row in report.rejected:
            table.add_row(str(row.line), row.reason, row.message)
        console.print(table)
        raise typer.Exit(code=1)


@registry_app.command("template")
def template(photo: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Print the base64 face template of an enrolment photo (the ``face_template`` CSV column)."""
    from identity.errors import IdentityError
    from identity.face import create_template

    try:
        value = create_template(photo.read_bytes())
    except IdentityError as e:
        typer.echo(f"{e.code}: {e.message}", err=True)
        raise typer.Exit(code=1) from e
    typer.echo(base64.b64encode(value.to_bytes()).decode("ascii"))


@registry_app.command("count")
def count(database_url: DatabaseOption = None) -> None:
    """Print how many voters the registry holds."""
    from identity.db import make_engine
    from identity.registry import SqlVoterRegistry
    from identity.settings import IdentitySettings

    settings = IdentitySettings()
    registry = SqlVoterRegistry(make_engine(database_url or settings.database_url), settings.template_key_bytes)
    typer.echo(str(registry.count()))

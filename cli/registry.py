"""``shailoo registry …``: fill and inspect the voter registry of the identity service.

Settings come from the environment (``SHAILOO_IDENTITY_TEMPLATE_KEY``, …, see docs/identity.md). The database is
``--database-url``, else ``SHAILOO_IDENTITY_DATABASE_URL``, else the voting server's ``SHAILOO_DATABASE_URL`` (its
default SQLite file included): by default the register is imported where ``shailoo serve`` reads it.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

registry_app = typer.Typer(help="The voter registry: CSV import, enrolment templates.", no_args_is_help=True)
review_app = typer.Typer(
    help="Face reviews: identities whose faces are too alike, held until an operator decides.", no_args_is_help=True
)
registry_app.add_typer(review_app, name="review")
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="default: SHAILOO_IDENTITY_DATABASE_URL, else the server's SHAILOO_DATABASE_URL"
    ),
]


def database_url(option: str | None, identity_url: str | None) -> str:
    """The registry's database: the option, the identity service's own setting, else the voting server's database
    (`voting_server.settings.Settings.database_url`), the one ``shailoo serve`` reads voters from."""
    if option:
        return option
    if identity_url:
        return identity_url
    from voting_server.settings import Settings

    return Settings().database_url


def register(app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry")


@registry_app.command("import")
def import_csv(
    csv_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    database_url_option: DatabaseOption = None,
    progress: Annotated[bool, typer.Option(help="Show the rows checked (on a terminal only)")] = True,
) -> None:
    """Import voters from CSV; print the rows rejected (line, reason) and the rows held for a face review.

    Exit code 1 if any row was rejected or held (held rows are imported, but nothing is issued for them until an
    operator decides: ``shailoo registry review list``).
    """
    from cli.progress import bars
    from identity.db import make_engine
    from identity.registry import SqlVoterRegistry
    from identity.settings import IdentitySettings

    settings = IdentitySettings()
    registry = SqlVoterRegistry(
        make_engine(database_url(database_url_option, settings.database_url)),
        settings.template_key_bytes,
        duplicate_face_distance=settings.duplicate_face_distance,
    )
    console = Console()
    with bars(console, wanted=progress) as report_progress:
        on_progress = None
        if report_progress is not None:
            stage = report_progress

            def on_progress(done: int, total: int) -> None:
                stage("rows", done, total, "register rows checked")

        report = registry.import_csv(csv_file, on_progress)
    console.print(
        f"imported: {report.imported}   rejected: {len(report.rejected)}   held for face review: {len(report.held)}"
    )
    if report.rejected:
        table = Table("line", "reason", "detail")
        for row in report.rejected:
            table.add_row(str(row.line), row.reason, row.message)
        console.print(table)
    if report.held:
        table = Table("line", "same face as", "distance", "review")
        for held in report.held:
            other = f"line {held.other_line}" if held.other_line is not None else "a voter registered before"
            table.add_row(str(held.line), other, f"{held.distance:.3f}", str(held.review_id))
        console.print(table)
        console.print("nothing is issued for these identities until decided: shailoo registry review list")
    if not report.ok:
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
def count(database_url_option: DatabaseOption = None) -> None:
    """Print how many voters the registry holds."""
    from identity.db import make_engine
    from identity.registry import SqlVoterRegistry
    from identity.settings import IdentitySettings

    settings = IdentitySettings()
    registry = SqlVoterRegistry(
        make_engine(database_url(database_url_option, settings.database_url)), settings.template_key_bytes
    )
    typer.echo(str(registry.count()))


@review_app.command("list")
def review_list(
    status: Annotated[str, typer.Option(help="pending, decided or all")] = "pending",
    database_url_option: DatabaseOption = None,
) -> None:
    """List face reviews: the two personal numbers, their faces' distance, and the decision if any."""
    from identity.db import make_engine
    from identity.review import ReviewQueue
    from identity.settings import IdentitySettings

    if status not in ("pending", "decided", "all"):
        typer.echo("--status is pending, decided or all", err=True)
        raise typer.Exit(code=2)
    settings = IdentitySettings()
    queue = ReviewQueue(make_engine(database_url(database_url_option, settings.database_url)))
    reviews = queue.list(status)  # type: ignore[arg-type]
    table = Table("review", "first", "second", "distance", "source", "opened", "decision", "by")
    for r in reviews:
        table.add_row(
            str(r.review_id),
            r.first_number,
            r.second_number,
            f"{r.distance:.3f}",
            r.source,
            r.opened_at.isoformat(timespec="seconds"),
            r.decision.value if r.decision else "pending",
            r.decided_by,
        )
    console = Console(width=160)
    console.print(table)
    console.print(f"{len(reviews)} {status} review(s)")


@review_app.command("decide")
def review_decide(
    review_id: Annotated[int, typer.Argument(help="the review number")],
    decision: Annotated[str, typer.Argument(help="different_people, keep_first, keep_second or block_both")],
    operator: Annotated[str, typer.Option("--operator", help="who decides (recorded with the decision)")],
    database_url_option: DatabaseOption = None,
) -> None:
    """Decide a pending face review (final; written to the audit log)."""
    from identity.db import make_engine
    from identity.errors import IdentityError
    from identity.review import ReviewQueue
    from identity.settings import IdentitySettings

    settings = IdentitySettings()
    queue = ReviewQueue(make_engine(database_url(database_url_option, settings.database_url)))
    try:
        decided = queue.decide(review_id, decision, operator)
    except IdentityError as e:
        typer.echo(f"{e.code}: {e.message}", err=True)
        raise typer.Exit(code=1) from e
    assert decided.decision is not None
    typer.echo(f"review {decided.review_id}: {decided.decision.value} (by {decided.decided_by})")

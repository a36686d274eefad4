"""``shailoo verify EXPORT``: the observers' independent verifier (docs/observer.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


def verify(
    source: Annotated[str, typer.Argument(help="Board export file, or the URL of the board's export")],
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the JSON report here")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Local processes verifying ballot shards")] = 1,
    dask: Annotated[str | None, typer.Option("--dask", help="Run the shards on this Dask scheduler")] = None,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Resume file: shards already verified for this tree head")
    ] = None,
    shard_size: Annotated[int, typer.Option("--shard-size", min=1, help="Ballots per shard")] = 256,
    witness: Annotated[
        list[str] | None,
        typer.Option(
            "--witness",
            help="NAME=KEY: a witness pinned by its Ed25519 key (64 hex digits) that must cosign the latest tree "
            "head; a bare NAME takes the key from the manifest's witness roster. Repeatable",
        ),
    ] = None,
    min_witnesses: Annotated[
        int,
        typer.Option(
            "--min-witnesses", min=0, help="Pinned witnesses (roster or --witness) that must cosign the latest head"
        ),
    ] = 1,
    previous_export: Annotated[
        Path | None,
        typer.Option(
            "--previous-export",
            exists=True,
            dir_okay=False,
            help="For a runoff: the first round's board export (check 18 checks the link and the candidates)",
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option(help="Show progress bars (on a terminal only): export read, checks, ballots")
    ] = True,
) -> None:
    """Verify every step of an election from its board export; exit status 1 if any check fails."""
    from cli.progress import bars
    from observer.context import VerifyOptions, WitnessPin
    from observer.errors import ObserverError
    from observer.verify import verify as run

    console = Console()
    try:
        pins = tuple(WitnessPin.parse(text) for text in witness or ())
    except ObserverError as e:
        raise typer.BadParameter(e.message, param_hint="--witness") from e
    try:
        with bars(console, wanted=progress) as on_progress:
            options = VerifyOptions(
                workers=workers,
                dask_address=dask,
                checkpoint=checkpoint,
                shard_size=shard_size,
                on_progress=on_progress,
                witnesses=pins,
                min_witnesses=min_witnesses,
                previous_export=previous_export,
            )
            report = run(source, options)
    except ObserverError as e:
        console.print(f"[bold red]cannot verify[/] ({e.code}): {e.message}")
        raise typer.Exit(2) from e
    report.render(console)
    if json_path is not None:
        report.write_json(json_path)
        console.print(f"JSON report written to {json_path}")
    if not report.passed:
        raise typer.Exit(1)

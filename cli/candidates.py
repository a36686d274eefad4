"""``shailoo candidates import``: check a candidate file and write the manifest it gives (docs/candidates.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

candidates_app = typer.Typer(
    help="Candidate registration: import candidate files into the manifest.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(candidates_app, name="candidates")


@candidates_app.command("import")
def import_file(
    candidate_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    preset: Annotated[str | None, typer.Option(help="the base manifest: a preset name")] = None,
    manifest: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="the base manifest: a manifest JSON file")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="where to write the manifest (default: print it)")] = None,
) -> None:
    """Run the registration checks on CANDIDATE_FILE (.csv or .json) and write the manifest with its candidates.

    Exit code 1, with every problem listed (row, field, code, message), if the file does not pass; nothing is
    written then.
    """
    from elections.candidates import CandidateImportError, import_candidates
    from elections.errors import ElectionError
    from elections.manifest import Manifest
    from elections.presets import build_preset

    console = Console(stderr=True)
    if (preset is None) == (manifest is None):
        console.print("give exactly one of --preset or --manifest")
        raise typer.Exit(2)
    file_format = "json" if candidate_file.suffix.lower() == ".json" else "csv"
    try:
        base = build_preset(preset) if preset is not None else Manifest.from_json((manifest or Path()).read_bytes())
        result = import_candidates(candidate_file.read_text(encoding="utf-8"), file_format, base)
    except CandidateImportError as e:
        table = Table("row", "field", "code", "message")
        for p in e.problems:
            table.add_row(str(p.row), p.field, p.code, p.message)
        console.print(f"{len(e.problems)} problem(s); nothing written")
        console.print(table)
        raise typer.Exit(1) from e
    except ElectionError as e:
        console.print(f"{e.code}: {e.message}")
        raise typer.Exit(1) from e
    text = result.manifest.model_dump_json(indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
    console.print(f"{result.candidates} candidates; manifest hash {result.manifest.manifest_hash().hex()}")

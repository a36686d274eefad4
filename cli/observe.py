"""``shailoo observe EXPORT``: the observer dashboard over a board export, offline (docs/observer.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("observe")(observe)


def observe(
    export: Annotated[Path, typer.Argument(help="Board export file (JSON lines)", exists=True, dir_okay=False)],
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8765,
) -> None:
    """Serve the observer dashboard (board explorer, turnout, tracking codes, results) for an export."""
    import uvicorn

    from observer.board_export import load_export
    from observer.dashboard.app import create_dashboard_app
    from observer.dashboard.readers import ExportReader

    app = create_dashboard_app(ExportReader(load_export(export)))
    typer.echo(f"Observer dashboard for {export} at http://{host}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")

"""``shailoo serve``: the voting server for real, under uvicorn, against PostgreSQL and Redis by URL.

Every option is also a ``SHAILOO_*`` environment variable (`voting_server.settings.Settings`); the options set
them for the worker processes, which build the app with ``create_app()`` from the environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def _board_key(path: Path) -> str:
    """A development board key kept in a file, so every worker and every restart signs with the same key."""
    if path.exists():
        return path.read_text().strip()
    seed = secrets.token_bytes(32).hex()
    path.touch(mode=0o600)
    path.write_text(seed + "\n")
    return seed


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (stateless; they share the database)")] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: SQLite file)")
    ] = None,
    redis_url: Annotated[str | None, typer.Option(help="Redis URL for sessions and rate limits (optional)")] = None,
    issuer_keys_dir: Annotated[Path, typer.Option(help="Where the registrar keeps its issuer keys")] = Path(
        "shailoo-issuer-keys"
    ),
    board_key_file: Annotated[
        Path, typer.Option(help="Development only: file holding the board's signing key (made if missing)")
    ] = Path("shailoo-board.key"),
    log_level: Annotated[str, typer.Option(help="Log level")] = "info",
) -> None:
    """Run the Shailoo voting server (voter, admin, board and trustee APIs)."""
    import uvicorn

    from voting_server.settings import Environment, Settings

    if database_url:
        os.environ["SHAILOO_DATABASE_URL"] = database_url
    if redis_url:
        os.environ["SHAILOO_REDIS_URL"] = redis_url
    os.environ.setdefault("SHAILOO_ISSUER_KEYS_DIR", str(issuer_keys_dir))
    os.environ["SHAILOO_LOG_LEVEL"] = log_level.upper()
    settings = Settings()  # refuses default secrets outside development before any worker starts
    if settings.environment is Environment.DEVELOPMENT and settings.board_signing_key is None:
        os.environ["SHAILOO_BOARD_SIGNING_KEY"] = _board_key(board_key_file)
    from voting_server.components import prepare_database

    prepare_database(Settings())  # tables exist before the workers start
    typer.echo(
        f"Shailoo voting server on http://{host}:{port} ({workers} worker(s), {settings.environment.value}); "
        f"database {settings.database_url.split('@')[-1]}; redis {'on' if settings.redis_url else 'off'}"
    )
    uvicorn.run(
        "voting_server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level.lower(),
        access_log=False,
    )

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

from voting_server.settings import ServerRole


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
    role: Annotated[
        ServerRole, typer.Option(help="all: one server; registrar / ballot-box: the two separate services")
    ] = ServerRole.ALL,
    board_database_url: Annotated[
        str | None, typer.Option(help="Registrar only: the ballot box's board database (SQLAlchemy URL)")
    ] = None,
    issuer_keys_dir: Annotated[
        Path, typer.Option(help="Where the registrar keeps its issuer keys (not used by a ballot box)")
    ] = Path("shailoo-issuer-keys"),
    board_key_file: Annotated[
        Path, typer.Option(help="Development only: file holding the board's signing key (made if missing)")
    ] = Path("shailoo-board.key"),
    log_level: Annotated[str, typer.Option(help="Log level")] = "info",
) -> None:
    """Run the Shailoo voting server (voter, admin, board and trustee APIs), or one of its two separate services:
    the registrar (identification, credentials) or the ballot box (everything else; no personal data)."""
    import uvicorn

    from voting_server.settings import Environment, Settings

    os.environ["SHAILOO_ROLE"] = role.value
    if database_url:
        os.environ["SHAILOO_DATABASE_URL"] = database_url
    if board_database_url:
        os.environ["SHAILOO_BOARD_DATABASE_URL"] = board_database_url
    if redis_url:
        os.environ["SHAILOO_REDIS_URL"] = redis_url
    if role is not ServerRole.BALLOT_BOX:  # the ballot box holds no issuer key
        os.environ.setdefault("SHAILOO_ISSUER_KEYS_DIR", str(issuer_keys_dir))
    os.environ["SHAILOO_LOG_LEVEL"] = log_level.upper()
    settings = Settings()  # refuses default secrets outside development before any worker starts
    if settings.environment is Environment.DEVELOPMENT and settings.board_signing_key is None:
        os.environ["SHAILOO_BOARD_SIGNING_KEY"] = _board_key(board_key_file)
    from voting_server.api_docs import package_assets
    from voting_server.components import prepare_database

    package_assets()  # Swagger UI and ReDoc are installed: else one line here, not a failure in every worker
    prepare_database(Settings())  # tables exist before the workers start
    typer.echo(
        f"Shailoo voting server ({settings.role.value}) on http://{host}:{port} ({workers} worker(s), "
        f"{settings.environment.value}); "
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

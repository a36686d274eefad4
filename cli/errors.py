"""One clear line, with a stable code, for what an operator must fix: bad settings, a bad or unreachable database,
a database schema behind the code (``schema_out_of_date``: run ``shailoo db upgrade``) or one it does not know,
Redis down, a server that does not answer. Never a traceback for these.

`friendly_error(exc)` maps an exception to ``(code, line)`` or ``None`` (a genuine bug, whose traceback is kept);
`cli.main.run`, the ``shailoo`` entry point, prints ``error (<code>): <line>`` on stderr and exits with 2.
"""

from __future__ import annotations

import os
from typing import Final

#: Exit status of a configuration or connection error (1 stays "refused"/"failed check", as the commands use it).
EXIT_CONFIGURATION: Final = 2

#: Which settings class reads which environment prefix (pydantic names the field, the operator sets the variable).
_PREFIXES: Final = {"IdentitySettings": "SHAILOO_IDENTITY_", "Settings": "SHAILOO_"}


def _settings_line(exc: Exception) -> str:
    from pydantic import ValidationError

    assert isinstance(exc, ValidationError)
    prefix = _PREFIXES.get(exc.title, "SHAILOO_")
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        where = "_".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{prefix}{where}: {message}" if where else message)
    return "; ".join(problems) + " (fix the environment or the option)"


def _redacted(url: str) -> str:
    """A database URL without its password."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def friendly_error(exc: BaseException) -> tuple[str, str] | None:
    """``(code, line)`` for an error of configuration or connection, ``None`` for anything else."""
    import httpx
    import sqlalchemy.exc
    from pydantic import ValidationError

    from voting_server.api_docs import DocsAssetsMissingError
    from voting_server.schema import SchemaError

    if isinstance(exc, SchemaError):
        return exc.code, str(exc)
    if isinstance(exc, DocsAssetsMissingError):
        return "docs_assets_missing", str(exc)
    if isinstance(exc, ValidationError) and exc.title in _PREFIXES:
        return "invalid_settings", _settings_line(exc)
    if isinstance(exc, sqlalchemy.exc.ArgumentError | sqlalchemy.exc.NoSuchModuleError):
        return (
            "invalid_database_url",
            f"cannot use the database URL ({exc}); give e.g. sqlite:///./shailoo.sqlite3 or "
            "postgresql+psycopg://user:password@host:5432/db",
        )
    if isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
        first = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
        url = os.environ.get("SHAILOO_DATABASE_URL", "")
        named = f" {_redacted(url)}" if url else ""
        return "database_unavailable", f"cannot open the database{named}: {first}; is it running and reachable?"
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        where = str(exc.request.url.copy_with(path="/", query=None)) if _has_request(exc) else "the server"
        return "server_unreachable", f"no answer from {where}: is `shailoo serve` running there? ({exc})"
    if isinstance(exc, httpx.TimeoutException):
        return "server_timeout", f"the server did not answer in time ({exc}); it may still be working: try again"
    try:
        import redis.exceptions
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if isinstance(exc, redis.exceptions.ConnectionError):
        return "redis_unavailable", f"cannot reach Redis ({exc}); check SHAILOO_REDIS_URL and that Redis runs"
    return None


def _has_request(exc: Exception) -> bool:
    try:
        getattr(exc, "request")  # noqa: B009 - httpx raises RuntimeError when the error has no request
    except RuntimeError:
        return False
    return True

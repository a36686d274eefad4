"""``shailoo doctor``: check a deployment before it serves anyone — settings, database (on PostgreSQL, its migrations
too), Redis, keys, face photos.

Each check prints one line ``ok|warn|FAIL  <check>: <what was found or what to fix>``; the exit status is 1 if any
check failed, else 0. Nothing is written anywhere (the database is only connected to and asked which tables it has).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import typer

Verdict = Literal["ok", "warn", "FAIL"]


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        return f"{self.verdict:<4}  {self.check}: {self.detail}"


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def _describe(exc: BaseException) -> str:
    from cli.errors import friendly_error

    friendly = friendly_error(exc)
    if friendly is not None:
        return f"{friendly[0]}: {friendly[1]}"
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def run_checks() -> list[Finding]:
    """Every check, in order; a check that cannot run because an earlier one failed is not run."""
    from voting_server.settings import Environment, Settings

    findings: list[Finding] = []
    try:
        settings = Settings()
    except Exception as e:  # a bad setting is what this command reports
        return [Finding("settings", "FAIL", _describe(e))]
    production = settings.environment is not Environment.DEVELOPMENT
    findings.append(Finding("settings", "ok", f"environment {settings.environment.value}"))
    try:
        from identity.settings import IdentitySettings

        identity = IdentitySettings()
        findings.append(Finding("identity settings", "ok", f"environment {identity.environment}"))
        if production and identity.environment == "development":
            findings.append(
                Finding(
                    "identity settings",
                    "FAIL",
                    "SHAILOO_IDENTITY_ENVIRONMENT is development on a production server: the public development "
                    "template and voter-hash keys would be accepted; set it and the two keys",
                )
            )
    except Exception as e:
        findings.append(Finding("identity settings", "FAIL", _describe(e)))

    if settings.board_signing_key is None:
        findings.append(Finding("board key", "warn", "SHAILOO_BOARD_SIGNING_KEY unset: development only"))
    else:
        try:
            settings.board_seed()
            findings.append(Finding("board key", "ok", "a 32-byte Ed25519 seed"))
        except ValueError as e:
            findings.append(Finding("board key", "FAIL", str(e)))

    database = _database(settings.database_url)
    findings.append(database)
    schema_finding = None if database.verdict == "FAIL" else _schema(settings)
    if schema_finding is not None:
        findings.append(schema_finding)
    findings.append(_redis(settings.redis_url, production))
    findings.append(_issuer_keys(settings.issuer_keys_dir, settings.min_issuer_key_bits))
    faces = os.environ.get("SHAILOO_FACES_DIR")
    if faces:
        folder = Path(faces)
        if (folder / "MANIFEST.csv").is_file():
            photos = sum(1 for p in folder.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
            findings.append(Finding("faces", "ok", f"{folder}: {photos} photos"))
        else:
            findings.append(Finding("faces", "FAIL", f"SHAILOO_FACES_DIR={folder} has no MANIFEST.csv"))
    return findings


def _database(url: str) -> Finding:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text("SELECT 1"))
                tables = set(sqlalchemy.inspect(connection).get_table_names())
        finally:
            engine.dispose()
    except Exception as e:
        return Finding("database", "FAIL", _describe(e))
    shown = url.split("@")[-1]
    board = sorted(t for t in tables if t.startswith("board_"))
    if not board:
        return Finding("database", "warn", f"{shown}: reachable, no board tables yet (`shailoo serve` makes them)")
    return Finding("database", "ok", f"{shown}: reachable, {len(tables)} tables")


def _schema(settings: object) -> Finding | None:
    """On PostgreSQL: whether every migration branch of the server's role is at the revision the code needs (what
    `shailoo serve` checks before it starts). None on SQLite, whose tables the server makes itself."""
    import sqlalchemy

    from voting_server import schema
    from voting_server.settings import Settings

    assert isinstance(settings, Settings)
    if not schema.is_postgres(settings.database_url):
        return None
    engine = sqlalchemy.create_engine(settings.database_url)
    try:
        states = schema.status(engine, schema.branches_for(settings.role))
    except Exception as e:
        return Finding("schema", "FAIL", _describe(e))
    finally:
        engine.dispose()
    behind = [s for s in states if not s.up_to_date]
    if behind:
        found = ", ".join(f"{s.branch} at {s.current or 'no revision'} (needs {s.head})" for s in behind)
        return Finding("schema", "FAIL", f"{found}: run `shailoo db upgrade --role {settings.role.value}`")
    return Finding("schema", "ok", ", ".join(f"{s.branch} at {s.current}" for s in states))


def _redis(url: str | None, production: bool) -> Finding:
    if not url:
        verdict: Verdict = "warn" if production else "ok"
        return Finding("redis", verdict, "not configured: sessions and counters in process memory (one worker)")
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as e:
        return Finding("redis", "FAIL", _describe(e))
    return Finding("redis", "ok", "answers PING")


def _issuer_keys(directory: Path | None, min_bits: int) -> Finding:
    if directory is None:
        return Finding("issuer keys", "warn", "SHAILOO_ISSUER_KEYS_DIR unset: keys kept in memory only")
    if not directory.exists():
        return Finding("issuer keys", "ok", f"{directory}: none yet (made by `shailoo admin issuer-keys`)")
    from crypto.blind_rsa import BlindRsaPrivateKey

    files = sorted(directory.glob("*.der"))
    try:
        for path in files:
            BlindRsaPrivateKey.from_bytes(path.read_bytes(), min_bits=min_bits)
    except Exception as e:
        return Finding("issuer keys", "FAIL", f"{path}: {_describe(e)}")
    loose = [p.name for p in files if p.stat().st_mode & 0o077]
    if loose:
        return Finding("issuer keys", "warn", f"readable by others: {', '.join(loose)} (chmod 600)")
    return Finding("issuer keys", "ok", f"{directory}: {len(files)} key(s) of at least {min_bits} bits")


def doctor() -> None:
    """Check this deployment's settings, database, Redis, keys and face photos; exit 1 if anything fails."""
    findings = run_checks()
    for finding in findings:
        typer.echo(finding.line())
    failed = [f for f in findings if f.verdict == "FAIL"]
    typer.echo(f"{len(failed)} check(s) failed" if failed else "all checks passed")
    if failed:
        raise typer.Exit(code=1)

"""``shailoo doctor``: one line per check, a failure for each thing an operator must fix, exit 1 then."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from voting_server.components import prepare_database
from voting_server.settings import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [k for k in os.environ if k.startswith("SHAILOO_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_a_prepared_development_server_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'board.sqlite3'}"
    monkeypatch.setenv("SHAILOO_DATABASE_URL", url)
    prepare_database(Settings())
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "ok    database" in result.output and "all checks passed" in result.output


def test_each_broken_service_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHAILOO_DATABASE_URL", f"postgresql+psycopg://u:secret-pw@127.0.0.1:{_free_port()}/x")
    monkeypatch.setenv("SHAILOO_REDIS_URL", f"redis://127.0.0.1:{_free_port()}/0")
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "s-bishkek.der").write_bytes(b"not a key")
    monkeypatch.setenv("SHAILOO_ISSUER_KEYS_DIR", str(keys))
    monkeypatch.setenv("SHAILOO_FACES_DIR", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    failed = {line.split()[1] for line in result.output.splitlines() if line.startswith("FAIL")}
    assert failed == {"database:", "redis:", "issuer", "faces:"}, result.output
    assert "secret-pw" not in result.output


def test_bad_settings_are_one_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAILOO_ENVIRONMENT", "production")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1 and "FAIL  settings" in result.output and "SHAILOO_ADMIN_TOKENS" in result.output


@pytest.mark.postgres
def test_a_postgres_schema_behind_the_code_fails_until_db_upgrade(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    from tests.server.postgres import fresh_postgres_url

    with fresh_postgres_url(postgres_url, migrate=False) as url:
        monkeypatch.setenv("SHAILOO_DATABASE_URL", url)
        behind = runner.invoke(app, ["doctor"])
        assert behind.exit_code == 1
        assert (
            "FAIL  schema: board at no revision" in behind.output and "shailoo db upgrade --role all" in behind.output
        )
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        current = runner.invoke(app, ["doctor"])
        assert "ok    schema: board at " in current.output and "FAIL" not in current.output, current.output

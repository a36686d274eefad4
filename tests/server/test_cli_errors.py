"""Configuration and connection errors of the ``shailoo`` command are one line with a stable code, never a
traceback (`cli.errors`, through the entry point `cli.main.run`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.main import run

Shailoo = Callable[..., subprocess.CompletedProcess[str]]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _subprocess(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHAILOO_")}
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import run; run()", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
    )


@pytest.fixture
def shailoo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``shailoo ARGS`` in this process through the entry point, in an empty directory, with no SHAILOO_* set (what
    ``serve`` writes into the environment is undone after the test)."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("SHAILOO_")] + [
        "SHAILOO_DATABASE_URL",
        "SHAILOO_ISSUER_KEYS_DIR",
        "SHAILOO_LOG_LEVEL",
        "SHAILOO_BOARD_SIGNING_KEY",
    ]:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)

    def invoke(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "argv", ["shailoo", *args])
        capsys.readouterr()
        try:
            run()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return invoke


def _one_line(result: subprocess.CompletedProcess[str], code: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"error ({code}): "), lines[0]
    return lines[0]


def test_the_entry_point_is_the_one_that_maps_errors() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["shailoo"] == "cli.main:run"


def test_a_bad_setting_names_the_variable(tmp_path: Path) -> None:
    """Through a real process: what an operator sees on the terminal, stderr and exit status included."""
    line = _one_line(_subprocess(["serve"], tmp_path, SHAILOO_TRUSTEES_K="three"), "invalid_settings")
    assert "SHAILOO_TRUSTEES_K" in line


def test_a_bad_setting_in_process(shailoo: Shailoo) -> None:
    line = _one_line(shailoo(["serve"], SHAILOO_MAX_IN_FLIGHT="-1"), "invalid_settings")
    assert "SHAILOO_MAX_IN_FLIGHT" in line


def test_production_without_tokens_says_what_to_set(shailoo: Shailoo) -> None:
    line = _one_line(shailoo(["serve"], SHAILOO_ENVIRONMENT="production"), "invalid_settings")
    assert "SHAILOO_ADMIN_TOKENS" in line


def test_a_database_url_that_is_no_url(shailoo: Shailoo) -> None:
    _one_line(shailoo(["serve", "--database-url", "nonsense://x"]), "invalid_database_url")
    _one_line(shailoo(["registry", "count", "--database-url", "not a url"]), "invalid_database_url")


def test_missing_api_reference_assets_stop_serve_with_one_line(
    shailoo: Shailoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voting_server import api_docs

    monkeypatch.setattr(api_docs, "ASSET_PACKAGE", "voting_server")  # a package without Swagger UI's files
    line = _one_line(shailoo(["serve", "--port", str(_free_port())]), "docs_assets_missing")
    assert "swagger-ui-bundle.js" in line and "reinstall" in line


def test_a_database_that_does_not_answer_hides_its_password(shailoo: Shailoo) -> None:
    url = f"postgresql+psycopg://shailoo:hunter2-secret@127.0.0.1:{_free_port()}/shailoo"
    line = _one_line(shailoo(["serve", "--database-url", url]), "database_unavailable")
    assert "hunter2-secret" not in line and "127.0.0.1" in line


def test_a_server_that_is_down(shailoo: Shailoo) -> None:
    server = f"http://127.0.0.1:{_free_port()}"
    line = _one_line(shailoo(["voter", "election", "--server", server]), "server_unreachable")
    assert server in line

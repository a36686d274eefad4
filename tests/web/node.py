"""Node.js for the web tests: find node and npm, install web/'s locked packages once (``npm ci`` when
``node_modules`` is missing or older than ``package-lock.json``), build the test CLI.

Without node or npm the tests are skipped with the reason printed — except with ``CI=true``, where they fail, so
CI can never pass by skipping.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
STAMP = WEB / "node_modules" / ".shailoo-lock-sha256"
CLI = WEB / "dist" / "cli" / "ballot-cli.mjs"


def need_node() -> tuple[str, str]:
    """(node, npm) executables, or skip (fail with CI=true)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    reason = "node and npm are needed for the web tests (apt-get install nodejs npm)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the web tests must run in CI: {reason}")
    print(f"SKIPPED web tests: {reason}")
    pytest.skip(reason)


def run(args: list[str], *, timeout: float = 600, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=WEB, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def ensure_packages() -> None:
    """``npm ci`` once per lock file: the stamp in node_modules holds the lock's hash."""
    node, npm = need_node()
    lock = hashlib.sha256((WEB / "package-lock.json").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != lock:
        done = run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"])
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
        STAMP.write_text(lock + "\n")
    built = run([node, "build.mjs", "--cli-only"], timeout=120)
    assert built.returncode == 0, built.stderr

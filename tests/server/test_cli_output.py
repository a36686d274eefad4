"""The ``shailoo`` command's output is for people: no framework deprecation notices in it."""

from __future__ import annotations

import subprocess
import sys


def test_shailoo_command_prints_no_test_client_deprecation_warning() -> None:
    code = "import cli.main, fastapi.testclient"  # what `shailoo demo` imports to run the server in-process
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert "DeprecationWarning" not in result.stderr, result.stderr

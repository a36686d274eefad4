"""The operator's long admin commands show that they are working, on a terminal only: ``issuer-keys``, ``tally``
and ``results`` are one request each that the server answers when done, so the terminal shows a spinner with the
seconds gone by (`cli.progress.waiting`); in a pipe nothing of it is written."""

from __future__ import annotations

import io
import re
import threading

import pytest
from rich.console import Console
from typer.testing import CliRunner

import cli.admin
from cli.main import app
from cli.progress import waiting
from tests.server.harness import Election
from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def admin(monkeypatch: pytest.MonkeyPatch, terminal: bool, *args: str) -> str:
    monkeypatch.setenv("TTY_COMPATIBLE", "1" if terminal else "0")  # Rich's switch: a terminal or not
    # The command's console as a process started there makes it (Rich decides "interactive" when it is made).
    monkeypatch.setattr(cli.admin, "console", Console())
    result = CliRunner().invoke(
        app, ["admin", *args, "--server", "http://shailoo.test", "--token", DEVELOPMENT_OPERATOR_TOKEN]
    )
    return ANSI.sub("", result.output)


#: What each command's spinner says while the server works (an election without a manifest refuses each request,
#: after the spinner was shown: the request is what the spinner covers).
SPINNERS = {
    ("tally",): "Weeding and adding up the ballots on the server…",
    ("results",): "Combining the decryption shares and running the rules…",
    ("issuer-keys", "--bits", "2048"): "Generating the keys of 2048 bits…",
}


@pytest.mark.parametrize("args", list(SPINNERS), ids=[a[0] for a in SPINNERS])
def test_a_long_admin_command_shows_a_spinner_on_a_terminal_only(
    election: Election, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    shown = admin(monkeypatch, True, *args)
    assert SPINNERS[args] in shown and "refused" in shown
    piped = admin(monkeypatch, False, *args)
    assert SPINNERS[args] not in piped and "refused" in piped


def test_the_spinner_counts_the_seconds() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    ticked = threading.Event()
    with waiting(console, "Working", tick=0.01):
        # The ticker updates the text every tick; wait (bounded) until a render carries the count.
        for _ in range(500):
            if re.search(r"Working… \d+ s", ANSI.sub("", out.getvalue())):
                ticked.set()
                break
            threading.Event().wait(0.01)
    assert ticked.is_set(), out.getvalue()


def test_nothing_is_drawn_off_a_terminal() -> None:
    out = io.StringIO()
    with waiting(Console(file=out, force_terminal=False), "Working", tick=0.01):
        threading.Event().wait(0.05)
    assert out.getvalue() == ""

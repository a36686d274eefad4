"""docs/operator.md runs as written: its ``sh`` blocks, command by command, each in its own process, against a real
``shailoo serve`` with separate trustee and witness processes, ending in ``shailoo verify`` → VERIFIED with default
options.

The test reads the page, not a copy of it: a wrong command, a wrong option or a missing step in the guide fails
here. Its rules (stated on the page too):

* a fenced block opened with ```` ```sh ```` is run; ```` ```text ```` blocks are not;
* a command is a line, with ``\\``-continued lines joined; it runs as ``bash -c`` (so ``$VAR`` and ``$(…)`` work as
  in the operator's shell) in one working folder (a temporary one), each command its own process;
* a command ending in ``&`` starts in the background and keeps running (the server, the trustees' ``join``, the
  witness); the test stops those still running at the end with SIGTERM, and a background process that ended by
  itself must have ended with status 0;
* ``<!-- operator-test: for VAR in A B C -->`` before a block runs the block once per value, with ``VAR`` set;
* ``export NAME=VALUE`` sets ``NAME`` for the commands after it; the test substitutes only the values of variables
  the page exports (the port, the voting window, the folder of the sample files), and checks that it does;
* every foreground command must exit with status 0, and the page's last command must be ``shailoo verify URL``
  (no option: the defaults) printing ``VERIFIED``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.faults.server import REPO, free_port

GUIDE = REPO / "docs" / "operator.md"
DIRECTIVE = re.compile(r"<!-- operator-test: for (?P<var>[A-Z_][A-Z0-9_]*) in (?P<values>[^>]+?) -->")
EXPORT = re.compile(r"export (?P<name>[A-Z_][A-Z0-9_]*)=")
#: A trailing shell comment holding no quote (so it cannot be inside a quoted string).
TRAILING_COMMENT = re.compile(r"\s+#[^\"']*$")


@dataclass
class Command:
    line: int  # of the page, 1-based
    text: str
    background: bool


@dataclass
class Block:
    line: int
    commands: list[Command]
    loop: tuple[str, list[str]] | None = None


def runnable_blocks(page: str) -> list[Block]:
    """The page's ``sh`` blocks, in order, with their commands and loops (module docstring)."""
    lines = page.splitlines()
    blocks: list[Block] = []
    loop: tuple[str, list[str]] | None = None
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if match := DIRECTIVE.fullmatch(stripped):
            loop = (match["var"], match["values"].split())
        elif stripped.startswith("```"):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            if stripped == "```sh":
                blocks.append(Block(i + 1, _commands(lines[i + 1 : end], first_line=i + 2), loop))
            else:
                assert loop is None, f"docs/operator.md:{i + 1}: an operator-test loop before a block that is not sh"
            loop, i = None, end
        elif stripped:
            assert loop is None, f"docs/operator.md:{i + 1}: an operator-test loop not followed by its sh block"
        i += 1
    return blocks


def _commands(lines: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    pending: list[str] = []
    start = first_line
    for offset, raw in enumerate(lines):
        if not pending:
            start = first_line + offset
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1].strip())
            continue
        text = " ".join([*pending, raw.strip()]).strip()
        pending = []
        if not text or text.startswith("#"):
            continue
        bare = TRAILING_COMMENT.sub("", text).rstrip()
        background = bare.endswith("&") and not bare.endswith("&&")
        commands.append(Command(start, bare[:-1].rstrip() if background else text, background))
    assert not pending, f"docs/operator.md:{start}: a block ends on a continued line"
    return commands


def test_the_guide_is_read_as_the_test_runs_it() -> None:
    """The reading rules on a small page: loops, continuations, background commands, text blocks skipped."""
    page = "\n".join([
        "```text", "shailoo not-run", "```",
        "<!-- operator-test: for N in 1 2 -->", "```sh", "shailoo a --x $N \\", "    --y 2   # a comment",
        "shailoo b &   # in the background", "```",
    ])  # fmt: skip
    (block,) = runnable_blocks(page)
    assert block.loop == ("N", ["1", "2"])
    assert [(c.line, c.text, c.background) for c in block.commands] == [
        (6, "shailoo a --x $N --y 2   # a comment", False),
        (8, "shailoo b", True),
    ]
    with pytest.raises(AssertionError, match="not followed"):
        runnable_blocks("<!-- operator-test: for N in 1 -->\nsome text\n```sh\nx\n```")


@dataclass
class Rehearsal:
    """The working folder, the environment the page's exports build, and the background processes."""

    folder: Path
    env: dict[str, str]
    overrides: dict[str, str]
    exported: set[str] = field(default_factory=set)
    background: list[tuple[Command, subprocess.Popen[bytes], Path]] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    last_output: str = ""

    def run(self, command: Command, extra: dict[str, str]) -> None:
        env = {**self.env, **extra}
        where = f"docs/operator.md:{command.line}: {command.text}"
        if export := EXPORT.match(command.text):
            name = export["name"]
            self.exported.add(name)
            if name in self.overrides:
                self.env[name] = self.overrides[name]
                self.transcript.append(f"$ {command.text}   (the test's value: {self.overrides[name]})")
                return
            shown = subprocess.run(
                ["bash", "-c", f'set -euo pipefail\n{command.text}\nprintf %s "${name}"'],
                cwd=self.folder, env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert shown.returncode == 0, f"{where}\n{shown.stderr}"
            self.env[name] = shown.stdout
            self.transcript.append(f"$ {command.text}")
            return
        if command.background:
            log = self.folder / f"background-{len(self.background) + 1}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    ["bash", "-c", f"exec {command.text}"],
                    cwd=self.folder, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            self.background.append((command, process, log))
            self.transcript.append(f"$ {command.text} &   ({extra or ''} pid {process.pid}, output in {log.name})")
            return
        started = time.monotonic()
        done = subprocess.run(
            ["bash", "-c", f"set -euo pipefail\n{command.text}"],
            cwd=self.folder, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        output = done.stdout + done.stderr
        took = f"({time.monotonic() - started:.1f} s)"  # for the transcript only, never asserted
        self.transcript.append(f"$ {command.text}   {extra or ''} {took}\n{output}")
        self.last_output = output
        if done.returncode != 0:
            raise AssertionError(f"{where}\nexit status {done.returncode}\n{output}\n{self.logs()}")
        for earlier, process, log in self.background:  # a background process that died is a failed step too
            code = process.poll()
            where = f"docs/operator.md:{earlier.line}: {earlier.text}"
            assert code in (None, 0), f"{where} exited {code}\n{log.read_text()}"

    def logs(self) -> str:
        return "\n".join(f"--- {c.text} ---\n{log.read_text()[-4000:]}" for c, _, log in self.background)

    def stop(self) -> dict[int, int]:
        """SIGTERM to every background process still running (the last started first); each one's exit status,
        by process id, in the order they were started."""
        for _, process, _log in reversed(self.background):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        return {process.pid: process.returncode for _, process, _ in self.background}


def _clean_environment() -> dict[str, str]:
    """This process's environment without any ``SHAILOO_*`` setting (the page sets what it needs), with the
    ``shailoo`` command of this checkout first on the PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAILOO_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_operator_guide_runs_as_written_and_the_election_verifies(tmp_path: Path) -> None:
    blocks = runnable_blocks(GUIDE.read_text(encoding="utf-8"))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    overrides = {
        "SHAILOO_PORT": str(free_port()),
        "VOTING_OPENS": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "VOTING_CLOSES": (now + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "EXAMPLES": str(REPO / "docs" / "examples"),
    }
    rehearsal = Rehearsal(tmp_path, _clean_environment(), overrides)
    try:
        for block in blocks:
            var, values = block.loop or ("", [""])
            for value in values:
                for command in block.commands:
                    rehearsal.run(command, {var: value} if var else {})
        last = blocks[-1].commands[-1]
        # The last step is the observer's, with the verifier's default options (only the export's address).
        assert re.fullmatch(r"shailoo verify \S+", last.text), last.text
        assert "VERIFIED" in rehearsal.last_output, rehearsal.last_output
    finally:
        codes = rehearsal.stop()
        (tmp_path / "transcript.txt").write_text("\n".join(rehearsal.transcript))
    # The test changed only what the page lets a reader change.
    assert set(overrides) <= rehearsal.exported, set(overrides) - rehearsal.exported
    # The trustees' `join` ended by themselves once the ceremony was over (status 0); the witness stopped cleanly
    # on SIGTERM (status 0); the server shut down cleanly (uvicorn re-raises the SIGTERM it handled, so its status
    # is 0 or -SIGTERM, after "Application shutdown complete").
    logs = {command.text.split(" --")[0]: log.read_text() for command, _, log in rehearsal.background}
    for (command, _, _), code in zip(rehearsal.background, codes.values(), strict=True):
        if command.text.startswith("shailoo serve"):
            assert code in (0, -signal.SIGTERM), (command.text, code, logs["shailoo serve"][-4000:])
            assert "Application shutdown complete" in logs["shailoo serve"]
        else:
            assert code == 0, (command.text, code, rehearsal.logs())
    assert sum(c.text.startswith("shailoo trustee join") for c, _, _ in rehearsal.background) == 5
    witness = logs["shailoo witness run"]
    assert "cosigned size" in witness and "witness stopped" in witness, witness
    assert "split_view" not in witness and "invalid_consistency_proof" not in witness, witness

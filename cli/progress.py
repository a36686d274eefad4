"""Progress of the operator's long commands, on a terminal only.

Two shapes, both drawn by Rich on the command's console while it is a terminal, and nothing at all otherwise (a
pipe, a log file, a script reading ``--json``): a bar per counted stage (`bars`: bytes of an export read, checks
run, ballots verified, register rows imported), and a running clock while the server does the work in one request
(`waiting`: issuer keys, tally, results).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.spinner import Spinner
from rich.table import Column

#: ``report(stage, done, total, label)``: ``stage`` names a bar (its first description), ``done`` of ``total``
#: (0: not known yet), ``label`` replaces the description when not empty.
StageReport = Callable[[str, int, int, str], None]


def shown(console: Console, wanted: bool = True) -> bool:
    """Whether progress is drawn: asked for, and the console is a terminal."""
    return wanted and console.is_terminal


@contextmanager
def bars(console: Console, *, wanted: bool = True) -> Iterator[StageReport | None]:
    """A `StageReport` drawing one bar per stage, or ``None`` when nothing is to be drawn (see `shown`)."""
    if not shown(console, wanted):
        yield None
        return
    # The label in a column of its own width (a long check name is cut with "…"), so the bar and counts keep theirs.
    label = Column(width=44, no_wrap=True, overflow="ellipsis")
    progress = Progress(
        TextColumn("{task.description}", table_column=label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int, label: str) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total or None)
        progress.update(tasks[stage], completed=done, total=total or None, description=label or stage)

    with progress:
        yield report


@contextmanager
def waiting(console: Console, what: str, *, wanted: bool = True, tick: float = 1.0) -> Iterator[None]:
    """A spinner saying ``what`` with the seconds gone by (updated every ``tick`` seconds), while the block runs (a
    request the server answers when it is done); nothing when not drawn (see `shown`)."""
    if not shown(console, wanted):
        yield
        return
    started = time.monotonic()
    spinner = Spinner("dots", text=f"{what}…", style="status.spinner")
    # A Live of its own (not `Console.status`): it is drawn on entry, so a request refused at once still showed it.
    with Live(spinner, console=console, transient=True, redirect_stdout=False, redirect_stderr=False):
        done = threading.Event()

        def count() -> None:
            while not done.wait(tick):
                spinner.update(text=f"{what}… {time.monotonic() - started:.0f} s")

        ticker = threading.Thread(target=count, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()

"""The harness shared by bench/second_verifier.py and bench/verify_page.py: build (or reuse) a presidential export,
run each verifier on it as its own process — ``shailoo verify``'s Python verifier, the Node command of web/verifier
and the /verify page in headless Chromium — and read each one's wall time, CPU time and peak memory.

* Python and Node: one child process each; CPU time from ``wait4`` (that child alone), peak RSS its own ``VmHWM``
  sampled every 20 ms (``run_child``).
* The page: served on loopback from the committed build (``web/dist/verify``), the file given to its picker, timed
  from the choice to the result; memory is the peak RSS (``VmHWM``) of each process of that Chromium (the renderer
  runs the page's worker), read from /proc before the browser closes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERIFIER = ROOT / "web" / "verifier"
CLI = VERIFIER / "dist" / "verifier" / "src" / "cli.js"
CHROMIUM = "/usr/bin/chromium"
PY_VERIFY = (
    "import json, sys\n"
    "from observer.verify import verify\n"
    "json.dump(verify(sys.argv[1]).to_json(), sys.stdout, default=str)\n"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_node_verifier() -> None:
    subprocess.run(["npm", "run", "--silent", "build"], cwd=VERIFIER, check=True)


@contextmanager
def presidential_export(voters: int, reuse: Path | None = None) -> Iterator[tuple[Path, float | None]]:
    """The observer tests' presidential record (`tests.observer.election.build_election`: three regions, a 2-of-3
    ceremony, 3072-bit issuer keys, one 18-selection ballot per voter), or ``reuse`` as it is. Yields the path and
    the seconds it took to build (None when reused)."""
    if reuse is not None:
        yield reuse, None
        return
    from tests.observer.election import build_election

    with tempfile.TemporaryDirectory(prefix="shailoo-bench-") as tmp:
        path = Path(tmp) / "export.jsonl"
        log(f"building a presidential record of {voters} voters …")
        started = time.perf_counter()
        build_election(path, voters=voters, revotes=0)
        yield path, round(time.perf_counter() - started, 2)


def count_ballots(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if b'"kind":"ballot"' in line)


def _vm_hwm_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_child(args: list[str]) -> tuple[dict[str, Any], dict[str, float]]:
    """Run ``args``, parse its JSON stdout; wall and CPU seconds of that child alone, and its peak RSS (MiB).

    The peak is the child's own ``VmHWM`` (the high-water mark of its address space after exec), read every 20 ms
    while it runs. ``wait4``'s ``ru_maxrss`` would not do: Linux carries the parent's resident size at fork over the
    exec, so every child smaller than this harness would show the harness's size."""
    started = time.perf_counter()
    peak = [0.0]
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(args, stdout=out, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                value = _vm_hwm_mib(child.pid)
                if value is not None:
                    peak[0] = max(peak[0], value)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, _status, usage = os.wait4(child.pid, 0)
        done.set()
        sampler.join()
        wall = time.perf_counter() - started
        out.seek(0)
        report: dict[str, Any] = json.loads(out.read())
    return report, {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": round(peak[0], 1),
    }


def run_python(path: Path) -> tuple[dict[str, Any], dict[str, float]]:
    log("Python verifier …")
    return run_child([sys.executable, "-c", PY_VERIFY, str(path)])


def run_node(path: Path) -> tuple[dict[str, Any], dict[str, float]]:
    log("TypeScript verifier (Node) …")
    return run_child(["node", str(CLI), str(path), "--json"])


def check_seconds(report: dict[str, Any], number: int) -> float:
    return float(next(c["seconds"] for c in report["checks"] if c["number"] == number))


def _chromium_pids() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if "chromium" in (entry / "comm").read_text():
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def _peak_rss_mib(pids: set[int]) -> dict[str, float]:
    """Peak RSS (VmHWM) of each process still alive: the largest (the page's renderer) and their sum."""
    peaks = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return {"largest_process_peak_rss_mib": round(max(peaks, default=0.0), 1), "sum_peak_rss_mib": round(sum(peaks), 1)}


def run_page(path: Path) -> tuple[dict[int, str], dict[int, float], dict[str, float]]:
    """The committed /verify page in headless Chromium: statuses and seconds per check, wall time and memory."""
    from fastapi import FastAPI
    from playwright.sync_api import sync_playwright

    from observer.verify_page import build_verify_page_router
    from tests.browser import CHROMIUM_ARGS, serve_app

    log("the /verify page in headless Chromium …")
    app = FastAPI()
    app.include_router(build_verify_page_router())
    before = _chromium_pids()
    with serve_app(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/verify/?lang=en")
        page.wait_for_selector("#file")
        started = time.perf_counter()
        page.set_input_files("#file", str(path))
        page.wait_for_selector("body[data-state=done], body[data-state=error]", timeout=3_600_000)
        wall = time.perf_counter() - started
        assert page.get_attribute("body", "data-state") == "done", page.inner_text("#summary")
        rows = page.eval_on_selector_all(
            "#checks tbody tr", "rows => rows.map(r => [r.dataset.number, r.dataset.status, r.dataset.seconds])"
        )
        memory = _peak_rss_mib(_chromium_pids() - before)
        browser.close()
    usage = {"wall_s": round(wall, 3), **memory}
    return {int(n): s for n, s, _ in rows}, {int(n): float(t) for n, _, t in rows}, usage


def extrapolate(points: list[tuple[int, float]], at: int = 100_000) -> float:
    """A value at ``at`` ballots from (ballots, value) measurements: the line through the smallest and the largest,
    or proportional when there is one size only. An EXTRAPOLATION, labelled as such where it is printed."""
    points = sorted(points)
    (n0, v0), (n1, v1) = points[0], points[-1]
    if n1 == n0:
        return round(v1 * at / max(n1, 1), 1)
    slope = (v1 - v0) / (n1 - n0)
    return round(v1 + slope * (at - n1), 1)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()

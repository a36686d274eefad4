"""Benchmark: the verification page (web/verify) in headless Chromium against the Node command (web/verifier),
same export, same run.

Run from the repository root (after ``cd web && npm ci`` and ``cd web/verifier && npm ci``; needs /usr/bin/chromium)::

    uv run --frozen python bench/verify_page.py                  # a 20-voter presidential record
    uv run --frozen python bench/verify_page.py --voters 60
    uv run --frozen python bench/verify_page.py --quick          # 6 voters, a smoke run

Prints ONE JSON document on stdout (progress on stderr). It builds a presidential record with the observer tests'
election builder (3072-bit issuer keys), runs ``node web/verifier/dist/verifier/src/cli.js EXPORT --json`` (the
baseline: the same checks on Node) and then gives the same file to the committed page (``web/dist/verify``, served
on loopback) through its file picker, timing from the choice to the result, and reading each check's seconds from
the page's table. The page's statuses must equal the Node command's (else it exits 1). Only wall time is measured
for the page (the worker's memory is not visible from the page).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
ROOT = _BENCH_DIR.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(ROOT))

VERIFIER = ROOT / "web" / "verifier"
CLI = VERIFIER / "dist" / "verifier" / "src" / "cli.js"
CHROMIUM = "/usr/bin/chromium"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_node(path: Path) -> tuple[dict[str, Any], dict[str, float]]:
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(["node", str(CLI), str(path), "--json"], stdout=out, cwd=ROOT)
        _, _status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        report: dict[str, Any] = json.loads(out.read())
    return report, {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def run_page(path: Path) -> tuple[dict[int, str], dict[int, float], float]:
    from fastapi import FastAPI
    from playwright.sync_api import sync_playwright

    from observer.verify_page import build_verify_page_router
    from tests.browser import CHROMIUM_ARGS, serve_app

    app = FastAPI()
    app.include_router(build_verify_page_router())
    with serve_app(app, lifespan="off") as url, sync_playwright() as p:
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
        browser.close()
    return {int(n): s for n, s, _ in rows}, {int(n): float(t) for n, _, t in rows}, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="6 voters")
    args = parser.parse_args()
    voters = 6 if args.quick else args.voters

    from tests.observer.election import build_election

    subprocess.run(["npm", "run", "--silent", "build"], cwd=VERIFIER, check=True)
    with tempfile.TemporaryDirectory(prefix="shailoo-bench-") as tmp:
        path = Path(tmp) / "export.jsonl"
        log(f"building a presidential record of {voters} voters …")
        built = build_election(path, voters=voters, revotes=0)
        ballots = len(built.indices.get("ballot", []))
        log("Node command (baseline) …")
        node, node_usage = run_node(path)
        log("the page in headless Chromium …")
        statuses, seconds, page_wall = run_page(path)
        size = path.stat().st_size

    node_status = {c["number"]: c["status"] for c in node["checks"]}
    node_20 = float(next(c["seconds"] for c in node["checks"] if c["number"] == 20))
    result = {
        "benchmark": "verify_page",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "record": {"preset": "president (3 regions)", "voters": voters, "ballots": ballots, "export_bytes": size},
        "node": {**node_usage, "check_20_s": node_20},
        "chromium_page": {"wall_s": round(page_wall, 3), "check_20_s": seconds.get(20)},
        "page_over_node_wall": round(page_wall / node_usage["wall_s"], 2),
        "check_20_page_over_node": round((seconds.get(20) or 0) / node_20, 2) if node_20 else None,
        "agree": statuses == node_status,
    }
    print(json.dumps(result, indent=2))
    return 0 if result["agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

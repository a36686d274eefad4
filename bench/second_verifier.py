"""Benchmark: the three verifiers of one presidential export in the same run — the Python verifier (``shailoo
verify``), the second verifier on Node (web/verifier) and the same checks in headless Chromium (the /verify page) —
with each one's wall time, CPU time and peak memory, and the 100,000-ballot figures extrapolated from them.

Run from the repository root (after ``cd web && npm ci`` and ``cd web/verifier && npm ci``; the page needs
/usr/bin/chromium)::

    uv run --frozen python bench/second_verifier.py                       # a 40-voter record
    uv run --frozen python bench/second_verifier.py --voters 2000 --small-voters 100
    uv run --frozen python bench/second_verifier.py --export BIG.jsonl --small-voters 100
    uv run --frozen python bench/second_verifier.py --quick --no-page     # 8 voters, Python and Node only

Prints ONE JSON document on stdout (progress on stderr). The record is the observer tests' election
(`tests.observer.election.build_election`: the presidential preset cut to three regions, a 2-of-3 ceremony, 3072-bit
issuer keys, one blind-signed credential and one 18-selection ballot per voter), built here or given with
``--export``. The harness is bench/_verifiers.py (shared with bench/verify_page.py). All three must agree on the
status of every check the TypeScript verifier runs (else the exit status is 1).

The 100,000-ballot figures are EXTRAPOLATIONS (``"extrapolated": true``): with ``--small-voters`` the line through
the two sizes measured (so fixed costs are not scaled), otherwise proportional to the one size. Both the Python
verifier and the TypeScript one batch every ballot proof (random linear combinations, one multi-scalar
multiplication per batch: OpenSSL's in Python, @noble/curves' Pippenger in TypeScript).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))
sys.path.append(str(_BENCH_DIR))  # last: bench/crypto.py must not shadow the crypto package

from _verifiers import (  # noqa: E402
    build_node_verifier,
    check_seconds,
    count_ballots,
    extrapolate,
    presidential_export,
    run_node,
    run_page,
    run_python,
    uptime,
)


def measure(voters: int, reuse: Path | None, page: bool) -> dict[str, Any]:
    with presidential_export(voters, reuse) as (path, build_s):
        ballots = count_ballots(path)
        size = path.stat().st_size
        python, py_usage = run_python(path)
        node, node_usage = run_node(path)
        page_status: dict[int, str] = {}
        page_seconds: dict[int, float] = {}
        page_usage: dict[str, float] = {}
        if page:
            page_status, page_seconds, page_usage = run_page(path)
    py_status = {c["number"]: c["status"] for c in python["checks"]}
    node_status = {c["number"]: c["status"] for c in node["checks"]}
    disagree = sorted(
        {n for n, s in node_status.items() if s != "not_implemented" and s != py_status[n]}
        | {n for n, s in page_status.items() if s != node_status.get(n)}
    )
    result: dict[str, Any] = {
        "record": {"preset": "president (3 regions)", "ballots": ballots, "export_bytes": size, "build_s": build_s},
        "python": {**py_usage, "check_20_s": check_seconds(python, 20), "counts": python["counts"]},
        "node": {**node_usage, "check_20_s": check_seconds(node, 20), "counts": node["counts"]},
        "disagreeing_checks": disagree,
    }
    if page:
        result["chromium_page"] = {**page_usage, "check_20_s": page_seconds.get(20)}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=40)
    parser.add_argument("--export", type=Path, help="measure this export instead of building one")
    parser.add_argument("--small-voters", type=int, default=0, help="also measure a record this small (the slope)")
    parser.add_argument("--quick", action="store_true", help="8 voters")
    parser.add_argument("--no-page", action="store_true", help="Python and Node only")
    args = parser.parse_args()
    page = not args.no_page
    build_node_verifier()
    load_before = uptime()
    runs = []
    if args.small_voters:
        runs.append(measure(args.small_voters, None, page))
    runs.append(measure(8 if args.quick else args.voters, args.export, page))
    load_after = uptime()

    def at_100000(key: str, field: str) -> float | None:
        points = [(r["record"]["ballots"], r[key][field]) for r in runs if key in r]
        return extrapolate(points) if points else None

    verifiers = ["python", "node"] + (["chromium_page"] if page else [])
    memory = {"python": "peak_rss_mib", "node": "peak_rss_mib", "chromium_page": "largest_process_peak_rss_mib"}
    result = {
        "benchmark": "second_verifier",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "uptime_before": load_before,
        "uptime_after": load_after,
        "runs": runs,
        "at_100000_ballots": {
            "extrapolated": True,
            "method": "line through the two sizes measured" if len(runs) > 1 else "proportional to the one size",
            **{
                v: {
                    "wall_s": at_100000(v, "wall_s"),
                    "check_20_s": at_100000(v, "check_20_s"),
                    "peak_rss_mib": at_100000(v, memory[v]),
                }
                for v in verifiers
            },
        },
        "agree": not any(r["disagreeing_checks"] for r in runs),
    }
    print(json.dumps(result, indent=2))
    return 0 if result["agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

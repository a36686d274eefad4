"""Benchmark: the verification page (web/verify) in headless Chromium against the Node command (web/verifier),
same export, same run — bench/second_verifier.py without the Python verifier (the harness is bench/_verifiers.py).

Run from the repository root (after ``cd web && npm ci`` and ``cd web/verifier && npm ci``; needs /usr/bin/chromium)::

    uv run --frozen python bench/verify_page.py                  # a 20-voter presidential record
    uv run --frozen python bench/verify_page.py --voters 60
    uv run --frozen python bench/verify_page.py --quick          # 6 voters, a smoke run

Prints ONE JSON document on stdout (progress on stderr). The page's statuses must equal the Node command's (else it
exits 1). The page's memory is the peak RSS of its Chromium's processes (the renderer runs the worker).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))
sys.path.append(str(_BENCH_DIR))  # last: bench/crypto.py must not shadow the crypto package

from _verifiers import (  # noqa: E402
    build_node_verifier,
    check_seconds,
    count_ballots,
    presidential_export,
    run_node,
    run_page,
    uptime,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=20)
    parser.add_argument("--export", type=Path, help="measure this export instead of building one")
    parser.add_argument("--quick", action="store_true", help="6 voters")
    args = parser.parse_args()
    build_node_verifier()
    with presidential_export(6 if args.quick else args.voters, args.export) as (path, _build_s):
        ballots = count_ballots(path)
        size = path.stat().st_size
        node, node_usage = run_node(path)
        statuses, seconds, page_usage = run_page(path)
    node_status = {c["number"]: c["status"] for c in node["checks"]}
    node_20 = check_seconds(node, 20)
    result = {
        "benchmark": "verify_page",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "uptime": uptime(),
        "record": {"preset": "president (3 regions)", "ballots": ballots, "export_bytes": size},
        "node": {**node_usage, "check_20_s": node_20},
        "chromium_page": {**page_usage, "check_20_s": seconds.get(20)},
        "page_over_node_wall": round(page_usage["wall_s"] / node_usage["wall_s"], 2),
        "check_20_page_over_node": round((seconds.get(20) or 0) / node_20, 2) if node_20 else None,
        "agree": statuses == node_status,
    }
    print(json.dumps(result, indent=2))
    return 0 if result["agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

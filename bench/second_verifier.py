"""Benchmark: the second verifier (web/verifier, TypeScript on Node) against the Python verifier, same export,
same run.

Run from the repository root (after ``cd web/verifier && npm ci``)::

    uv run --frozen python bench/second_verifier.py                 # a 40-voter presidential record
    uv run --frozen python bench/second_verifier.py --voters 200
    uv run --frozen python bench/second_verifier.py --quick         # 8 voters, a smoke run

Prints ONE JSON document on stdout (progress on stderr). It builds a presidential record with the observer
tests' election builder (`tests.observer.election.build_election`: the presidential preset cut to three regions,
a 2-of-3 ceremony, 3072-bit issuer keys, every voter a blind-signed credential and one ballot of 18 selections),
then runs each verifier as its own process — ``shailoo verify``'s `observer.verify.verify` with one worker, and
``node web/verifier/dist/verifier/src/cli.js --json`` — and reads each child's CPU time and peak memory from
``wait4``. Both reports must agree on the status of every check the TypeScript verifier ran (else it exits 1).

The 100,000-ballot figures are EXTRAPOLATIONS (marked ``"extrapolated": true``): each verifier's check 20 time
per ballot times 100,000, plus the rest of its run as measured. Node's check 20 verifies each proof alone
(web/core has no batch verification yet); the Python verifier batches every proof of a shard.
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

WEB = ROOT / "web" / "verifier"
CLI = WEB / "dist" / "verifier" / "src" / "cli.js"
PY_VERIFY = (
    "import json, sys\n"
    "from observer.verify import verify\n"
    "json.dump(verify(sys.argv[1]).to_json(), sys.stdout, default=str)\n"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_child(args: list[str]) -> tuple[dict[str, Any], dict[str, float]]:
    """Run ``args``, parse its JSON stdout; wall, CPU seconds and peak RSS (MiB) of that child alone."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(args, stdout=out, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        report: dict[str, Any] = json.loads(out.read())
    return report, {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def check_seconds(report: dict[str, Any], number: int) -> float:
    return float(next(c["seconds"] for c in report["checks"] if c["number"] == number))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="8 voters")
    args = parser.parse_args()
    voters = 8 if args.quick else args.voters

    from tests.observer.election import build_election

    subprocess.run(["npm", "run", "--silent", "build"], cwd=WEB, check=True)
    with tempfile.TemporaryDirectory(prefix="shailoo-bench-") as tmp:
        path = Path(tmp) / "export.jsonl"
        log(f"building a presidential record of {voters} voters …")
        started = time.perf_counter()
        built = build_election(path, voters=voters, revotes=0)
        build_s = time.perf_counter() - started
        ballots = len(built.indices.get("ballot", []))
        log("Python verifier …")
        python, py_usage = run_child([sys.executable, "-c", PY_VERIFY, str(path)])
        log("TypeScript verifier (Node) …")
        node, node_usage = run_child(["node", str(CLI), str(path), "--json"])
        size = path.stat().st_size

    py_status = {c["number"]: c["status"] for c in python["checks"]}
    disagree = [
        c["number"]
        for c in node["checks"]
        if c["status"] != "not_implemented" and c["status"] != py_status[c["number"]]
    ]

    def extrapolate(report: dict[str, Any], usage: dict[str, float]) -> dict[str, Any]:
        per_ballot = check_seconds(report, 20) / max(ballots, 1)
        rest = usage["wall_s"] - check_seconds(report, 20)
        return {"check_20_s_per_ballot": round(per_ballot, 5), "total_s": round(rest + per_ballot * 100_000, 1)}

    result = {
        "benchmark": "second_verifier",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "record": {"preset": "president (3 regions)", "voters": voters, "ballots": ballots, "export_bytes": size},
        "build_s": round(build_s, 2),
        "python": {**py_usage, "check_20_s": check_seconds(python, 20), "counts": python["counts"]},
        "node": {**node_usage, "check_20_s": check_seconds(node, 20), "counts": node["counts"]},
        "node_over_python_wall": round(node_usage["wall_s"] / py_usage["wall_s"], 2),
        "agree": not disagree,
        "disagreeing_checks": disagree,
        "at_100000_ballots": {
            "extrapolated": True,
            "python": extrapolate(python, py_usage),
            "node": extrapolate(node, node_usage),
        },
    }
    print(json.dumps(result, indent=2))
    return 0 if not disagree else 1


if __name__ == "__main__":
    raise SystemExit(main())

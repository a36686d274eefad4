"""Benchmark: both verifiers on one precinct-day export in the same run — the Python verifier and the second
verifier on Node (web/verifier) — with each one's wall time, CPU time, peak memory and the seconds of check 31 (every
paper ballot's proofs, batched in both) and check 40 (the tally with the paper ballots).

Run from the repository root (after ``cd web/verifier && npm ci``)::

    uv run --frozen python bench/second_verifier_precinct.py                 # 500 sheets in batches of 50
    uv run --frozen python bench/second_verifier_precinct.py --sheets 100 --export DAY.jsonl

The day is tests/web/precinct_exports.py's (tests/precinct/day.py on the real server: a counting urn's sheets, one
overvote in 20, a kiosk with two voters, three app ballots, the close, the tally and a 3-of-5 decryption), built
here or given with ``--export``. Prints ONE JSON document on stdout (progress on stderr); the exit status is 1 if
the two verifiers disagree on the status of any check the TypeScript one runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))
sys.path.append(str(_BENCH_DIR))  # last: bench/crypto.py must not shadow the crypto package

from _verifiers import CLI, build_node_verifier, check_seconds, log, run_child, uptime  # noqa: E402

PY_VERIFY = (
    "import json, sys\n"
    "from observer.context import VerifyOptions\n"
    "from observer.verify import verify\n"
    "json.dump(verify(sys.argv[1], VerifyOptions(min_issuer_bits=2048)).to_json(), sys.stdout, default=str)\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sheets", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--export", type=Path, help="verify this export instead of building a day (kept if built)")
    args = parser.parse_args()
    build_node_verifier()
    build_s = None
    with tempfile.TemporaryDirectory() as tmp:
        path = args.export
        if path is None or not path.exists():
            from tests.web.precinct_exports import DayPlan, precinct_day_export

            log(f"building a precinct day of {args.sheets} sheets …")
            started = time.perf_counter()
            built = precinct_day_export(Path(tmp), DayPlan(sheets=args.sheets, batch_size=args.batch_size))
            build_s = round(time.perf_counter() - started, 1)
            if path is not None:
                path.write_bytes(built.read_bytes())
            path = built
        log("Python verifier …")
        python, py_usage = run_child([sys.executable, "-c", PY_VERIFY, str(path)])
        log("TypeScript verifier (Node) …")
        node, node_usage = run_child(["node", str(CLI), str(path), "--json", "--min-issuer-bits", "2048"])
        size = path.stat().st_size
    py_status = {c["number"]: c["status"] for c in python["checks"]}
    disagree = {
        c["number"]: [py_status[c["number"]], c["status"]]
        for c in node["checks"]
        if c["status"] != "not_implemented" and c["status"] != py_status[c["number"]]
    }
    paper = next(c for c in python["checks"] if c["number"] == 31)["evidence"].get("paper_ballots")
    out: dict[str, Any] = {
        "benchmark": "second_verifier_precinct",
        "machine": {"uptime_load": uptime()},
        "export": {"bytes": size, "paper_ballots": paper, "build_s": build_s},
        "python": {**py_usage, "check_31_s": check_seconds(python, 31), "check_40_s": check_seconds(python, 40)},
        "node": {**node_usage, "check_31_s": check_seconds(node, 31), "check_40_s": check_seconds(node, 40)},
        "statuses_31_32_40": {
            n: [py_status[n], next(c["status"] for c in node["checks"] if c["number"] == n)] for n in (31, 32, 40)
        },
        "disagreements": disagree,
    }
    json.dump(out, sys.stdout, indent=1)
    print()
    return 1 if disagree else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: check 43's two rules engines on the shared vectors, the Python one (baseline) and the TypeScript one
(web/verifier/src/rules.ts on Node), same cases, same run.

    cd web/verifier && npm ci && npm run build && cd ../.. && uv run --frozen python bench/rules_engines.py [REPS]

Prints ONE JSON document: seconds per full pass over every non-refused case of tests/vectors/rules.json (best of
REPS, default 5) for each engine, and for the largest case alone (the parliament-2021 preset: 21 lists, 1,156
selections). Both engines' results are compared with the file first, so a wrong engine is never timed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
ROOT = _BENCH_DIR.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]  # bench/crypto.py is not `crypto`
sys.path.insert(0, str(ROOT))

from elections.manifest import Manifest  # noqa: E402
from elections.results import compute_results_by_style  # noqa: E402
from elections.results_model import Turnout  # noqa: E402

VECTORS = ROOT / "tests" / "vectors" / "rules.json"
RULES_JS = ROOT / "web" / "verifier" / "dist" / "verifier" / "src" / "rules.js"
LARGEST = "preset_parliament-2021"

NODE_SCRIPT = r"""
import { readFileSync } from "node:fs";
const { computeResultsByStyle } = await import(process.argv[1]);
const { jcs } = await import(process.argv[1].replace(/rules\.js$/, "jcs.js"));
const cases = JSON.parse(readFileSync(process.argv[2], "utf8")).cases.filter((c) => !c.refused);
const reps = Number(process.argv[3]);
const run = (c) => computeResultsByStyle(c.manifest, c.manifest_hash, c.counts_by_style, c.turnout);
for (const c of cases) if (jcs(run(c)) !== jcs(c.expected)) throw new Error(`differs: ${c.name}`);
const best = (fn) => {
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    b = Math.min(b, performance.now() - t);
  }
  return b / 1000;
};
const largest = cases.find((c) => c.name === process.argv[4]);
const all = best(() => cases.forEach(run));
console.log(JSON.stringify({ all_s: all, largest_s: best(() => run(largest)), node: process.version }));
"""


def _best(fn: Any, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    node = shutil.which("node")
    if node is None or not RULES_JS.exists():
        raise SystemExit("needs node and a built web/verifier (npm run build)")
    cases = [c for c in json.loads(VECTORS.read_text(encoding="utf-8"))["cases"] if not c.get("refused")]
    inputs = [
        (Manifest.from_dict(c["manifest"]), c["counts_by_style"], Turnout.model_validate(c["turnout"]), c)
        for c in cases
    ]
    for manifest, counts, figures, case in inputs:
        assert compute_results_by_style(manifest, counts, figures).to_canonical_dict() == case["expected"]
    largest = next(i for i in inputs if i[3]["name"] == LARGEST)
    python_all = _best(lambda: [compute_results_by_style(m, c, t) for m, c, t, _ in inputs], reps)
    python_largest = _best(lambda: compute_results_by_style(*largest[:3]), reps)
    done = subprocess.run(
        [node, "--input-type=module", "-e", NODE_SCRIPT, RULES_JS.as_uri(), str(VECTORS), str(reps), LARGEST],
        capture_output=True,
        check=True,
        timeout=600,
    )
    ts = json.loads(done.stdout)
    print(
        json.dumps(
            {
                "benchmark": "rules_engines",
                "cases": len(inputs),
                "reps_best_of": reps,
                "python_baseline_all_cases_s": round(python_all, 4),
                "typescript_all_cases_s": round(ts["all_s"], 4),
                "python_baseline_largest_s": round(python_largest, 4),
                "typescript_largest_s": round(ts["largest_s"], 4),
                "largest_case": LARGEST,
                "node": ts["node"],
            }
        )
    )


if __name__ == "__main__":
    main()

"""Benchmark: the second verifier's shuffle proof checker (TypeScript on Node, web/verifier/src/shuffle.ts) against
the Python `verify_shuffle`, on the same proof in the same run (docs/spec/shuffle.md; rows of width 1).

Run from the repository root, after ``cd web/verifier && npm ci && npm run build``::

    uv run --frozen python bench/second_verifier_shuffle.py              # N = 100 and 1,000
    uv run --frozen python bench/second_verifier_shuffle.py --sizes 50  # quick

Prints ONE JSON document: per N, the Python generators (first time in the process) and verification (the
baseline), and Node's generators, decoding and verification (one Pippenger multi-scalar multiplication).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))

from crypto.elgamal import ElGamalKeyPair, encrypt  # noqa: E402
from crypto.group import Scalar  # noqa: E402
from crypto.shuffle import commitment_generators, rows_to_bytes, shuffle, verify_shuffle  # noqa: E402

CONTEXT = bytes(range(32))
ROOT = _BENCH_DIR.parent


def bench_size(count: int, keys: ElGamalKeyPair, node: str, folder: Path) -> dict[str, Any]:
    inputs = [(encrypt(keys.public, i % 7, Scalar.random()),) for i in range(count)]
    started = time.perf_counter()
    commitment_generators(count)
    py_generators = time.perf_counter() - started
    outputs, _, proof = shuffle(CONTEXT, keys.public, inputs)
    started = time.perf_counter()
    verify_shuffle(CONTEXT, keys.public, inputs, outputs, proof)
    py_verify = time.perf_counter() - started
    path = folder / f"shuffle-{count}.json"
    path.write_text(
        json.dumps(
            {
                "context": CONTEXT.hex(),
                "key": keys.public.to_bytes().hex(),
                "inputs": rows_to_bytes(inputs).hex(),
                "outputs": rows_to_bytes(outputs).hex(),
                "proof": proof.to_bytes().hex(),
            }
        )
    )
    done = subprocess.run(
        [node, str(ROOT / "bench" / "second_verifier_shuffle.mjs"), str(path)],
        capture_output=True,
        check=True,
        timeout=3600,
    )
    ts = json.loads(done.stdout)
    return {
        "rows": count,
        "python_generators_s": round(py_generators, 3),
        "python_verify_s": round(py_verify, 3),
        "node_generators_s": round(ts["generators_s"], 3),
        "node_decode_s": round(ts["decode_s"], 3),
        "node_verify_s": round(ts["verify_s"], 3),
        "node_over_python_verify": round(ts["verify_s"] / py_verify, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    node = shutil.which("node")
    if node is None:
        sys.exit("node is not installed")
    keys = ElGamalKeyPair.generate()
    with tempfile.TemporaryDirectory() as folder:
        sizes = [bench_size(n, keys, node, Path(folder)) for n in args.sizes]
    print(json.dumps({"benchmark": "second_verifier_shuffle", "sizes": sizes}, indent=1))


if __name__ == "__main__":
    main()

"""Benchmark of the verifiable shuffle (docs/spec/shuffle.md) on one core, against the homomorphic path in the same run.

Run from the repository root::

    uv run --frozen python bench/shuffle.py                    # N = 100 and 1,000 rows, 3 repeats
    uv run --frozen python bench/shuffle.py --sizes 100 1000 10000 --repeats 1
    uv run --frozen python bench/shuffle.py --quick            # N = 20, 1 repeat (smoke test)

Prints ONE JSON document on stdout (progress on stderr). For every N (rows of width 1, i.e. one ciphertext each):

* ``generators_s``: deriving h_0 … h_{N−1} the first time in this process (hash to curve; paid once per process);
* ``shuffle_prove``: re-encrypting, permuting and proving (generators already derived);
* ``verify``: `verify_shuffle` (every relation in one random linear combination);
* ``verify_relation_by_relation``: the same relations each checked alone — the baseline the batching beats;
* ``proof_bytes`` and per-ciphertext figures (``per_ciphertext_s``), with issue 16's aim of ≤ 1 ms each.

The homomorphic path's per-ciphertext costs are measured in the same run for comparison: encrypting one selection
with its 0/1 proof, and verifying that proof (`verify_zero_or_one`). Medians over ``--repeats``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))

from crypto.elgamal import ElGamalKeyPair, encrypt  # noqa: E402
from crypto.group import Scalar  # noqa: E402
from crypto.proofs import prove_zero_or_one, verify_zero_or_one  # noqa: E402
from crypto.relations import relation_holds  # noqa: E402
from crypto.shuffle import commitment_generators, shuffle, shuffle_relations, verify_shuffle  # noqa: E402

SCHEMA = "shailoo-bench-shuffle/1"
#: Issue 16's aim: shuffle + proof, and verification, each at most 1 ms per ciphertext on one core.
AIM_PER_CIPHERTEXT_S = 1e-3
CONTEXT = b"\x42" * 32


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _median(function: Callable[[], object], repeats: int) -> dict[str, Any]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return {"median_s": statistics.median(samples), "min_s": min(samples), "repeats": repeats}


def _one_by_one(context: bytes, key: Any, inputs: Any, outputs: Any, proof: Any) -> None:
    relations = shuffle_relations(context, key, inputs, outputs, proof)
    if not all(relation_holds(r) for r in relations):
        raise RuntimeError("an honest shuffle failed relation by relation")


def bench_size(count: int, repeats: int, keys: ElGamalKeyPair) -> dict[str, Any]:
    _log(f"N = {count}: encrypting inputs")
    inputs = [(encrypt(keys.public, i % 7, Scalar.random()),) for i in range(count)]
    start = time.perf_counter()
    commitment_generators(count)
    generators_s = time.perf_counter() - start
    _log(f"N = {count}: generators {generators_s:.2f} s; proving")
    results: list[Any] = []
    prove = _median(lambda: results.append(shuffle(CONTEXT, keys.public, inputs)), repeats)
    outputs, _, proof = results[-1]
    _log(f"N = {count}: verifying")
    verify = _median(lambda: verify_shuffle(CONTEXT, keys.public, inputs, outputs, proof), repeats)
    baseline = _median(lambda: _one_by_one(CONTEXT, keys.public, inputs, outputs, proof), max(1, repeats // 3))
    per = {
        "shuffle_prove": prove["median_s"] / count,
        "verify": verify["median_s"] / count,
        "verify_relation_by_relation": baseline["median_s"] / count,
    }
    return {
        "rows": count,
        "width": 1,
        "generators_s": generators_s,
        "shuffle_prove": prove,
        "verify": verify,
        "verify_relation_by_relation": baseline,
        "proof_bytes": len(proof.to_bytes()),
        "per_ciphertext_s": per,
        "batching_speedup": baseline["median_s"] / verify["median_s"],
        "aim_per_ciphertext_s": AIM_PER_CIPHERTEXT_S,
        "aim_met": {
            "shuffle_prove": per["shuffle_prove"] <= AIM_PER_CIPHERTEXT_S,
            "verify": per["verify"] <= AIM_PER_CIPHERTEXT_S,
        },
    }


def bench_homomorphic(keys: ElGamalKeyPair, repeats: int) -> dict[str, Any]:
    """The existing mode's per-ciphertext work: one selection encrypted with its 0/1 proof, and its check."""
    count = 200
    nonces = [Scalar.random() for _ in range(count)]
    made: list[Any] = []

    def encrypt_all() -> None:
        made.clear()
        for r in nonces:
            ct = encrypt(keys.public, 1, r)
            made.append((ct, prove_zero_or_one(CONTEXT, keys.public, ct, 1, r)))

    def verify_all() -> None:
        for ct, proof in made:
            verify_zero_or_one(CONTEXT, keys.public, ct, proof)

    encrypt_prove = _median(encrypt_all, repeats)
    verify = _median(verify_all, repeats)
    return {
        "selections": count,
        "per_ciphertext_s": {
            "encrypt_prove_selection": encrypt_prove["median_s"] / count,
            "verify_selection": verify["median_s"] / count,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="N = 20 and one repeat")
    args = parser.parse_args(argv)
    sizes, repeats = ([20], 1) if args.quick else (args.sizes, args.repeats)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    keys = ElGamalKeyPair.generate()
    report = {
        "schema": SCHEMA,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cores_used": 1},
        "load_average_before": os.getloadavg(),
        "shuffle": [bench_size(count, repeats, keys) for count in sizes],
        "homomorphic_baseline": bench_homomorphic(keys, repeats),
        "load_average_after": os.getloadavg(),
    }
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

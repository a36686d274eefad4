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

``--dask-sizes 10000 100000 --workers 2`` adds ``dask``: per N, `crypto.shuffle_parallel` on a local Dask cluster
(generators, shuffle + proof, verification, each once), and for N ≤ ``--one-process-max`` the one-process shuffle
and verification of the same rows in the same run (generators already cached then). A size whose one-process
figure is left out says so; nothing there is extrapolated.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))

from bench._harness import dask_cluster, emit, load, log, machine, median_of, pin_one_core, timed, unpin  # noqa: E402
from crypto.elgamal import ElGamalKeyPair, encrypt  # noqa: E402
from crypto.group import Scalar  # noqa: E402
from crypto.proofs import prove_zero_or_one, verify_zero_or_one  # noqa: E402
from crypto.relations import relation_holds  # noqa: E402
from crypto.shuffle import commitment_generators, shuffle, shuffle_relations, verify_shuffle  # noqa: E402
from crypto.shuffle_parallel import generators_chunked, shuffle_chunked, verify_shuffle_chunked  # noqa: E402

SCHEMA = "shailoo-bench-shuffle/1"
#: Issue 16's aim: shuffle + proof, and verification, each at most 1 ms per ciphertext on one core.
AIM_PER_CIPHERTEXT_S = 1e-3
CONTEXT = b"\x42" * 32


def _one_by_one(context: bytes, key: Any, inputs: Any, outputs: Any, proof: Any) -> None:
    relations = shuffle_relations(context, key, inputs, outputs, proof)
    if not all(relation_holds(r) for r in relations):
        raise RuntimeError("an honest shuffle failed relation by relation")


def bench_size(count: int, repeats: int, keys: ElGamalKeyPair) -> dict[str, Any]:
    log(f"N = {count}: encrypting inputs")
    inputs = [(encrypt(keys.public, i % 7, Scalar.random()),) for i in range(count)]
    start = time.perf_counter()
    commitment_generators(count)
    generators_s = time.perf_counter() - start
    log(f"N = {count}: generators {generators_s:.2f} s; proving")
    results: list[Any] = []
    prove = median_of(lambda: results.append(shuffle(CONTEXT, keys.public, inputs)), repeats)
    outputs, _, proof = results[-1]
    log(f"N = {count}: verifying")
    verify = median_of(lambda: verify_shuffle(CONTEXT, keys.public, inputs, outputs, proof), repeats)
    baseline = median_of(lambda: _one_by_one(CONTEXT, keys.public, inputs, outputs, proof), max(1, repeats // 3))
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

    encrypt_prove = median_of(encrypt_all, repeats)
    verify = median_of(verify_all, repeats)
    return {
        "selections": count,
        "per_ciphertext_s": {
            "encrypt_prove_selection": encrypt_prove["median_s"] / count,
            "verify_selection": verify["median_s"] / count,
        },
    }


def bench_dask(count: int, workers: int, chunk: int, one_process_max: int, keys: ElGamalKeyPair) -> dict[str, Any]:
    """`crypto.shuffle_parallel` on a local cluster of ``workers`` processes, against one process on the same rows."""
    log(f"dask N = {count}: encrypting inputs")
    inputs = [(encrypt(keys.public, i % 7, Scalar.random()),) for i in range(count)]
    out: dict[str, Any] = {"rows": count, "width": 1, "workers": workers, "chunk": chunk, "load_before": load()}
    unpin()
    with dask_cluster(workers) as mapper:
        out["generators_s"] = timed(lambda: generators_chunked(count, mapper, chunk))
        log(f"dask N = {count}: generators {out['generators_s']:.1f} s; proving")
        made: list[Any] = []
        out["shuffle_prove_s"] = timed(
            lambda: made.append(shuffle_chunked(CONTEXT, keys.public, inputs, mapper, chunk))
        )
        outputs, proof = made[-1]
        log(f"dask N = {count}: shuffle + proof {out['shuffle_prove_s']:.1f} s; verifying")
        out["verify_s"] = timed(
            lambda: verify_shuffle_chunked(CONTEXT, keys.public, inputs, outputs, proof, mapper, chunk)
        )
    out["per_ciphertext_s"] = {"shuffle_prove": out["shuffle_prove_s"] / count, "verify": out["verify_s"] / count}
    if count <= one_process_max:
        pin_one_core()
        log(f"dask N = {count}: the same on one process")
        single: list[Any] = []
        prove_s = timed(lambda: single.append(shuffle(CONTEXT, keys.public, inputs)))
        outs, _, single_proof = single[-1]
        verify_s = timed(lambda: verify_shuffle(CONTEXT, keys.public, inputs, outs, single_proof))
        out["one_process"] = {"shuffle_prove_s": prove_s, "verify_s": verify_s}
        out["speedup"] = {"shuffle_prove": prove_s / out["shuffle_prove_s"], "verify": verify_s / out["verify_s"]}
    else:
        out["one_process"] = f"not run at N = {count} (> --one-process-max {one_process_max})"
    out["load_after"] = load()
    log("dask result: " + json.dumps(out))  # kept on stderr too, in case a later, larger size does not finish
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="N = 20 and one repeat")
    parser.add_argument("--dask-sizes", type=int, nargs="*", default=[])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--one-process-max", type=int, default=10_000)
    parser.add_argument("--skip-one-core", action="store_true", help="only the homomorphic baseline and --dask-sizes")
    args = parser.parse_args(argv)
    sizes, repeats = ([20], 1) if args.quick else (args.sizes, args.repeats)
    pin_one_core()
    keys = ElGamalKeyPair.generate()
    started = time.perf_counter()
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "machine": machine(1),
        "load_average_before": load()["load_average"],
        "shuffle": [] if args.skip_one_core else [bench_size(count, repeats, keys) for count in sizes],
        "homomorphic_baseline": bench_homomorphic(keys, repeats),
    }
    if args.dask_sizes:
        report["dask"] = [bench_dask(n, args.workers, args.chunk, args.one_process_max, keys) for n in args.dask_sizes]
    report["load_average_after"] = load()["load_average"]
    report["wall_s"] = time.perf_counter() - started
    emit(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of Shailoo's crypto core against ElectionGuard 1.4's group, in the same run, on one core.

Run from the repository root::

    uv run --frozen python bench/crypto.py             # full run (a few minutes)
    uv run --frozen python bench/crypto.py --quick     # a few repeats, for a smoke test

Prints ONE JSON document on stdout (progress goes to stderr). For every operation: the median, p10 and
p90 over the repeats, for Shailoo (P-256 through petlib/OpenSSL) and for the baseline
(``bench/electionguard_baseline.py``: ElectionGuard 1.4's 4096-bit group with gmpy2), the ratio
baseline / Shailoo, and, where issue 2 sets one, the target and whether it is met.

ElectionGuard has no batch verification, so batched Shailoo numbers are compared with its one-by-one
numbers; its whole-ballot numbers are extrapolated from its per-selection medians (a full 1,156-selection
ElectionGuard ballot takes tens of seconds) and are marked ``"extrapolated": true``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# This file is named like the `crypto` package: take the bench folder off the import path so that
# `import crypto` finds the package, and put the repository root on it for `bench.electionguard_baseline`.
_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))

from bench import electionguard_baseline as eg  # noqa: E402
from crypto.backend import ElGamalBackend, HomomorphicBackend  # noqa: E402
from crypto.batch import BatchVerifier  # noqa: E402
from crypto.contest import EncryptedContest, encrypt_contest, verify_contest  # noqa: E402
from crypto.dlog import DiscreteLogTable  # noqa: E402
from crypto.elgamal import Ciphertext, ElGamalKeyPair, ciphertext_sum, encrypt  # noqa: E402
from crypto.group import Point, Scalar  # noqa: E402
from crypto.paillier import PaillierBackend, PaillierKeyPair  # noqa: E402
from crypto.proofs import DisjunctiveProof, prove_zero_or_one, verify_zero_or_one  # noqa: E402

SCHEMA = "shailoo-bench-crypto/1"
#: The 2021 parliamentary open-list ballot: 21 parties × (party mark + 54 list positions) + "against all".
KYRGYZ_2021_SELECTIONS = 21 * (1 + 54) + 1
#: Issue 2's targets on this machine (seconds, or bytes for the size).
TARGETS = {
    "encrypt_prove_selection": 0.35e-3,
    "verify_selection": 0.3e-3,
    "verify_selection_batched_from_bytes": 0.15e-3,
    "ballot_encrypt_prove": 0.5,
    "ballot_verify_batched": 0.2,
    "selection_size_bytes": 300,
}
#: The ElectionGuard figures that issue 2 quotes, for the report.
ISSUE_BASELINE_QUOTES = {"encrypt_prove_selection": 8.7e-3, "verify_selection": 18.3e-3, "selection_size_bytes": 3200}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------------


def summarise(samples: Sequence[float]) -> dict[str, Any]:
    """Median, p10 and p90 (seconds per operation) of the samples."""
    ordered = sorted(samples)
    if len(ordered) >= 2:
        deciles = statistics.quantiles(ordered, n=10, method="inclusive")
        p10, p90 = deciles[0], deciles[-1]
    else:
        p10 = p90 = ordered[0]
    return {"median_s": statistics.median(ordered), "p10_s": p10, "p90_s": p90, "repeats": len(ordered)}


def measure(operation: Callable[[int], object], repeats: int, inner: int = 1) -> dict[str, Any]:
    """Time ``operation(i)``: one warm-up call, then ``repeats`` samples of ``inner`` calls each.

    A sample is the mean time of one call over its ``inner`` calls (``inner`` > 1 for microsecond
    operations, so that the clock's resolution does not dominate).
    """
    operation(0)
    samples = []
    counter = 0
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            counter += 1
            operation(counter)
        samples.append((time.perf_counter() - start) / inner)
    return summarise(samples)


def compare(shailoo: dict[str, Any], baseline: dict[str, Any] | None, target_key: str | None = None) -> dict[str, Any]:
    """One operation's entry: both measurements, the ratio baseline/Shailoo and the target if any."""
    entry: dict[str, Any] = {"shailoo": shailoo}
    if baseline is not None:
        entry["electionguard"] = baseline
        entry["ratio"] = baseline["median_s"] / shailoo["median_s"]
    if target_key is not None:
        entry["target_s"] = TARGETS[target_key]
        entry["met"] = shailoo["median_s"] <= TARGETS[target_key]
    return entry


def pin_to_one_core() -> int | None:
    """Run on a single core (Linux); returns the core used, or None where affinity is unavailable."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = max(os.sched_getaffinity(0))  # the last core: the first one tends to take the interrupts
    os.sched_setaffinity(0, {core})
    return core


# --------------------------------------------------------------------------------------------------
# Shailoo operations
# --------------------------------------------------------------------------------------------------


class Shailoo:
    """Fixtures for the Shailoo measurements: one key, one context, ready-made proofs."""

    def __init__(self, batch_size: int) -> None:
        self.keypair = ElGamalKeyPair.generate()
        self.key = self.keypair.public
        self.context = secrets.token_bytes(32)  # stands for the election base hash
        self.selections = [self.encrypt_prove(i % 2) for i in range(max(batch_size, 2))]
        self.encoded = [ct.to_bytes() + proof.to_bytes() for ct, proof in self.selections]

    def encrypt_prove(self, message: int) -> tuple[Ciphertext, DisjunctiveProof]:
        nonce = Scalar.random()
        ciphertext = encrypt(self.key, message, nonce)
        return ciphertext, prove_zero_or_one(self.context, self.key, ciphertext, message, nonce)

    def verify(self, index: int) -> None:
        ciphertext, proof = self.selections[index % len(self.selections)]
        verify_zero_or_one(self.context, self.key, ciphertext, proof)

    @staticmethod
    def decode(data: bytes) -> tuple[Ciphertext, DisjunctiveProof]:
        return Ciphertext.from_bytes(data[:66]), DisjunctiveProof.from_bytes(data[66:], 2)

    def verify_from_bytes(self, index: int) -> None:
        ciphertext, proof = self.decode(self.encoded[index % len(self.encoded)])
        verify_zero_or_one(self.context, self.key, ciphertext, proof)

    def verify_batch_from_bytes(self, count: int) -> None:
        verifier = BatchVerifier()
        for data in self.encoded[:count]:
            ciphertext, proof = self.decode(data)
            verifier.add_zero_or_one(self.context, self.key, ciphertext, proof)
        verifier.verify()

    def verify_batch_decoded(self, count: int) -> None:
        """The same batch from already decoded objects: what decoding costs is the difference."""
        verifier = BatchVerifier()
        for ciphertext, proof in self.selections[:count]:
            verifier.add_zero_or_one(self.context, self.key, ciphertext, proof)
        verifier.verify()


def ballot_selections(size: int) -> list[int]:
    """A ballot of ``size`` selections with exactly one mark (at a random position)."""
    marks = [0] * size
    marks[secrets.randbelow(size)] = 1
    return marks


def bench_shailoo_ballot(
    shailoo: Shailoo, size: int, repeats: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], int]:
    """Encrypt + prove one ballot; verify it from its bytes, in one batch and one proof at a time."""
    marks = ballot_selections(size)

    def encrypt_ballot(_: int) -> EncryptedContest:
        contest, _nonces = encrypt_contest(shailoo.context, shailoo.key, marks, 1, 1)
        return contest

    encrypted = measure(encrypt_ballot, repeats)
    encoded = encrypt_ballot(0).to_bytes()

    def verify_batched(_: int) -> None:
        verifier = BatchVerifier()
        verifier.add_contest(shailoo.context, shailoo.key, EncryptedContest.from_bytes(encoded), 1, 1)
        verifier.verify()

    def verify_one_by_one(_: int) -> None:
        verify_contest(shailoo.context, shailoo.key, EncryptedContest.from_bytes(encoded), 1, 1)

    return encrypted, measure(verify_batched, repeats), measure(verify_one_by_one, repeats), len(encoded)


# --------------------------------------------------------------------------------------------------
# ElectionGuard baseline operations
# --------------------------------------------------------------------------------------------------


class Baseline:
    """The same fixtures in ElectionGuard's group."""

    def __init__(self, window_bits: int) -> None:
        eg.check_parameters()
        self.group = eg.Group(window_bits)
        _secret, self.key = eg.keypair(self.group)
        self.extended_hash = eg.random_q()
        self.selections = [self.encrypt_prove(i % 2) for i in range(2)]
        self.encoded = [eg.selection_to_bytes(ct, proof) for ct, proof in self.selections]
        nonce = eg.random_q()
        self.sum = eg.encrypt(self.group, self.key, 1, nonce)
        self.constant_proof = eg.prove_constant(self.group, self.key, self.sum, 1, nonce, self.extended_hash)

    def encrypt_prove(self, message: int) -> tuple[eg.Ciphertext, eg.DisjunctiveProof]:
        nonce = eg.random_q()
        ciphertext = eg.encrypt(self.group, self.key, message, nonce)
        return ciphertext, eg.prove_zero_or_one(self.group, self.key, ciphertext, message, nonce, self.extended_hash)

    def verify(self, index: int) -> None:
        ciphertext, proof = self.selections[index % 2]
        eg.verify_zero_or_one(self.group, self.key, ciphertext, proof, self.extended_hash)

    def verify_from_bytes(self, index: int) -> None:
        ciphertext, proof = eg.selection_from_bytes(self.encoded[index % 2])
        eg.verify_zero_or_one(self.group, self.key, ciphertext, proof, self.extended_hash)

    def prove_constant(self, _: int) -> None:
        eg.prove_constant(self.group, self.key, self.sum, 1, eg.random_q(), self.extended_hash)

    def verify_constant(self, _: int) -> None:
        eg.verify_constant(self.group, self.key, self.sum, self.constant_proof, self.extended_hash)


def per_item(whole: dict[str, Any], count: int) -> dict[str, Any]:
    """A whole-batch measurement divided by the number of items in the batch."""
    return {k: (v / count if k.endswith("_s") else v) for k, v in whole.items()}


def extrapolate(per_selection: dict[str, Any], count: int, contest_proof: dict[str, Any]) -> dict[str, Any]:
    """An ElectionGuard ballot: ``count`` selections (with its placeholder) plus one contest proof."""
    result = {key: per_selection[key] * count + contest_proof[key] for key in ("median_s", "p10_s", "p90_s")}
    return {**result, "repeats": per_selection["repeats"], "extrapolated": True, "selections_counted": count}


# --------------------------------------------------------------------------------------------------
# Homomorphic backends side by side, discrete logarithms
# --------------------------------------------------------------------------------------------------


def bench_backend(backend: HomomorphicBackend[Any], repeats: int, add_inner: int) -> dict[str, Any]:
    left, right = backend.encrypt(3), backend.encrypt(4)
    if backend.decrypt(backend.add(left, right)) != 7:
        raise AssertionError(f"{backend.name} does not add")
    return {
        "encrypt": measure(lambda i: backend.encrypt(i % 2), repeats),
        "add": measure(lambda _: backend.add(left, right), repeats, inner=add_inner),
        "decrypt": measure(lambda _: backend.decrypt(left), repeats),
        "ciphertext_bytes": len(backend.ciphertext_bytes(left)),
    }


def bench_dlog(max_value: int, repeats: int, baseline: Baseline) -> dict[str, Any]:
    start = time.perf_counter()
    table = DiscreteLogTable(max_value=max_value)
    build = time.perf_counter() - start
    values = [secrets.randbelow(max_value + 1) for _ in range(repeats)] + [max_value]
    points = [Point.base_mul(v) if v else Point.identity() for v in values]
    for value, point in zip(values, points, strict=True):
        if table.decode(point) != value:
            raise AssertionError(f"discrete log of {value} decoded wrongly")
    decode = measure(lambda i: table.decode(points[i % len(points)]), repeats)
    worst = measure(lambda _: table.decode(points[-1]), max(3, repeats // 3))
    # ElectionGuard 1.4 decodes by walking g, g², g³, … (one multiplication mod p per step) and caches.
    step = eg.G
    mul = measure(lambda _: step * baseline.group.g_pow(1) % eg.P, repeats, inner=1000)
    return {
        "max_value": max_value,
        "table_build_s": build,
        "decode_random": decode,
        "decode_max_value": worst,
        "electionguard_linear_estimate_s": mul["median_s"] * max_value,
        "electionguard_linear_estimate_bytes": eg.ELEMENT_BYTES * max_value,
    }


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    repeats = args.repeats
    slow_repeats = max(3, repeats // 6)
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    core = pin_to_one_core()
    log(f"pinned to core {core}; repeats {repeats} (ballot {slow_repeats})")

    log("ElectionGuard baseline: fixed-base table")
    baseline = Baseline(args.eg_window_bits)
    log("Shailoo fixtures")
    shailoo = Shailoo(args.batch_size)

    ops: dict[str, Any] = {}
    log("encrypt + prove one selection")
    eg_encrypt = measure(lambda i: baseline.encrypt_prove(i % 2), repeats)
    ops["encrypt_prove_selection"] = compare(
        measure(lambda i: shailoo.encrypt_prove(i % 2), repeats), eg_encrypt, "encrypt_prove_selection"
    )
    log("verify one selection")
    eg_verify = measure(baseline.verify, repeats)
    ops["verify_selection"] = compare(measure(shailoo.verify, repeats), eg_verify, "verify_selection")
    eg_verify_bytes = measure(baseline.verify_from_bytes, repeats)
    ops["verify_selection_from_bytes"] = compare(measure(shailoo.verify_from_bytes, repeats), eg_verify_bytes)

    log(f"batch-verify {args.batch_size} selections from bytes")
    batch = measure(lambda _: shailoo.verify_batch_from_bytes(args.batch_size), slow_repeats)
    decoded = measure(lambda _: shailoo.verify_batch_decoded(args.batch_size), slow_repeats)
    ops["verify_selection_batched_from_bytes"] = {
        **compare(per_item(batch, args.batch_size), eg_verify_bytes, "verify_selection_batched_from_bytes"),
        "batch_size": args.batch_size,
        "shailoo_whole_batch": batch,
        "note": "amortised per selection; ElectionGuard has no batch verification (its one-by-one figure)",
    }
    ops["verify_selection_batched_decoded"] = {
        **compare(per_item(decoded, args.batch_size), eg_verify),
        "batch_size": args.batch_size,
        "note": "the same batch from decoded objects: the gap to the entry above is the cost of decoding",
    }

    log(f"ballot of {args.ballot_selections} selections")
    eg_constant_prove = measure(baseline.prove_constant, repeats)
    eg_constant_verify = measure(baseline.verify_constant, repeats)
    eg_count = args.ballot_selections + 1  # ElectionGuard adds one placeholder selection per allowed mark
    ballot_encrypt, ballot_batch, ballot_single, ballot_bytes = bench_shailoo_ballot(
        shailoo, args.ballot_selections, slow_repeats
    )
    ops["ballot_encrypt_prove"] = {
        **compare(ballot_encrypt, extrapolate(eg_encrypt, eg_count, eg_constant_prove), "ballot_encrypt_prove"),
        "selections": args.ballot_selections,
    }
    ops["ballot_verify_batched"] = {
        **compare(ballot_batch, extrapolate(eg_verify_bytes, eg_count, eg_constant_verify), "ballot_verify_batched"),
        "selections": args.ballot_selections,
        "ballot_bytes": ballot_bytes,
        "note": "decoding the contest from its bytes included",
    }
    ops["ballot_verify_one_by_one"] = compare(ballot_single, extrapolate(eg_verify_bytes, eg_count, eg_constant_verify))

    size = len(shailoo.encoded[0])
    ops["selection_size_bytes"] = {
        "shailoo": size,
        "electionguard": len(baseline.encoded[0]),
        "electionguard_json": len(eg.selection_to_json(*baseline.selections[0])),
        "ratio": len(baseline.encoded[0]) / size,
        "target_bytes": TARGETS["selection_size_bytes"],
        "met": size <= TARGETS["selection_size_bytes"],
    }

    log("homomorphic addition")
    cts = [ct for ct, _ in shailoo.selections]
    many = cts * max(1, 1000 // len(cts))
    eg_a, eg_b = (ct for ct, _ in baseline.selections)
    ops["homomorphic_add_per_ciphertext"] = {
        "shailoo": measure(lambda i: cts[i % len(cts)] + cts[(i + 1) % len(cts)], repeats, inner=200),
        "shailoo_ciphertext_sum": per_item(measure(lambda _: ciphertext_sum(many), repeats), len(many)),
        "electionguard": measure(lambda _: eg.add(eg_a, eg_b), repeats, inner=200),
    }
    ops["homomorphic_add_per_ciphertext"]["ratio"] = (
        ops["homomorphic_add_per_ciphertext"]["electionguard"]["median_s"]
        / ops["homomorphic_add_per_ciphertext"]["shailoo"]["median_s"]
    )

    log(f"discrete logarithm table up to {args.dlog_max}")
    ops["discrete_log"] = bench_dlog(args.dlog_max, repeats, baseline)

    log("homomorphic backends side by side")
    small_table = DiscreteLogTable(max_value=1000)
    backends: list[HomomorphicBackend[Any]] = [
        ElGamalBackend(shailoo.keypair, small_table),
        PaillierBackend(PaillierKeyPair.generate()),
    ]
    ops["backends"] = {b.name: bench_backend(b, repeats, add_inner=50) for b in backends}

    met = {key: ops[key]["met"] for key in TARGETS}
    return {
        "schema": SCHEMA,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "pinned_core": core,
            # other processes share the machine: a high load inflates both sides, less so the ratios
            "load_average_1_5_15_before": load_before,
            "load_average_1_5_15_after": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "settings": {
            "quick": args.quick,
            "repeats": repeats,
            "ballot_repeats": slow_repeats,
            "batch_size": args.batch_size,
            "ballot_selections": args.ballot_selections,
            "ballot_marks": {"min": 1, "max": 1},
            "dlog_max": args.dlog_max,
            "electionguard_window_bits": args.eg_window_bits,
        },
        "operations": ops,
        "targets": {"met": met, "all_met": all(met.values()), "issue_baseline_quotes": ISSUE_BASELINE_QUOTES},
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats and a small baseline table (smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="samples per operation (default 30, quick 3)")
    parser.add_argument("--batch-size", type=int, default=1000, help="selections per verification batch")
    parser.add_argument("--ballot-selections", type=int, default=KYRGYZ_2021_SELECTIONS, help="selections per ballot")
    parser.add_argument("--dlog-max", type=int, default=10_000_000, help="largest count the decoder must decode")
    parser.add_argument(
        "--eg-window-bits",
        type=int,
        default=None,
        help="ElectionGuard g-table window (default 13 as in EG 1.4; quick 8)",
    )
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 30
    if args.eg_window_bits is None:
        args.eg_window_bits = 8 if args.quick else eg.DEFAULT_WINDOW_BITS
    if args.repeats < 1 or args.batch_size < 2 or args.ballot_selections < 2 or args.dlog_max < 1:
        parser.error("repeats ≥ 1, batch size ≥ 2, ballot selections ≥ 2, dlog max ≥ 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    report = run(parse_args(argv))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

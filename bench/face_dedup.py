"""Benchmark of the 1:N face search over a national-size register: one probe, and a full import dedup.

Run from the repository root::

    uv run --frozen python bench/face_dedup.py                 # 4.3 million templates (about 15 minutes, 5 GB)
    uv run --frozen python bench/face_dedup.py --quick         # 200,000 templates, to check the script

Prints ONE JSON document on stdout (progress on stderr). Compared in the same run, on the same data:

* **Shailoo** — `identity.dedup.FaceGallery` (numpy; one float32 matrix product per block);
* **FAISS** — ``faiss.IndexFlatL2``, the library's exact (brute-force) index, when ``faiss-cpu`` is installed
  (it is not a Shailoo dependency: ``uv pip install faiss-cpu`` to include it; otherwise reported unavailable);
* **naive** — a Python loop over gallery rows, one ``numpy.linalg.norm`` each, timed on a sample of rows and
  extrapolated (marked ``"extrapolated": true``).

The templates are SIMULATED: ``numpy.random.Generator(PCG64(seed)).standard_normal`` × 0.13 per value, so that
their norms (≈ 1.47) and value spread match dlib encodings (the fixtures' norms are 1.31–1.63). They are benchmark
data, not faces: pairwise distances are ≈ 2.1 where real strangers are ≈ 0.9, so the number of close pairs says
nothing about false matches in a real register; an exhaustive search costs the same whatever the values. Known
near-duplicates are planted (a row copied with noise of 0.01 per value, distance ≈ 0.11) and every method must
find all of those that fall in the measured part: ``recall`` is checked, not assumed.

**A full dedup of 4.3 million is ~9.2 × 10¹² distances: hours of CPU on this 2-core machine, so it is not run.**
The last ``--dedup-queries`` rows are deduplicated against every earlier row — exactly the work of an import of that
many new voters into a register of N — and the full figure is that rate extrapolated to N(N − 1)/2 pairs
(``"extrapolated": true``). FAISS's range search compares each query with all N rows (it has no "earlier rows
only"); its rate is taken per distance computed, and its full figure assumes the same N(N − 1)/2 distances
(adding rows to the index as the import goes).

``--threads`` (default 1) sets the BLAS and OpenMP threads of both libraries, so that they are compared on equal
terms; peak memory is the process's maximum resident size after each phase (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_ARGS = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
_ARGS.add_argument("--templates", type=int, default=4_300_000, help="register size N (default 4,300,000)")
_ARGS.add_argument("--dedup-queries", type=int, default=4096, help="rows deduplicated against all earlier rows")
_ARGS.add_argument("--probes", type=int, default=15, help="1:N probes timed (median)")
_ARGS.add_argument("--naive-rows", type=int, default=20_000, help="rows of the per-row loop baseline")
_ARGS.add_argument("--planted", type=int, default=64, help="near-duplicates planted among the measured rows")
_ARGS.add_argument("--threshold", type=float, default=0.5, help="dedup distance (the setting's default)")
_ARGS.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads for numpy and FAISS")
_ARGS.add_argument("--seed", type=int, default=20260504)
_ARGS.add_argument("--no-faiss", action="store_true", help="skip FAISS even if installed")
_ARGS.add_argument("--quick", action="store_true", help="200,000 templates, 1024 dedup queries, 5 probes")

if __name__ == "__main__":
    _OPTIONS = _ARGS.parse_args()
    # Thread counts must be set before numpy (OpenBLAS) and FAISS (OpenMP) are loaded.
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = str(_OPTIONS.threads)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from identity.dedup import DIMENSION, FaceGallery  # noqa: E402

DIMENSION_CHECK = DIMENSION  # the bench's templates have the registry's shape
VALUE_SCALE = 0.13
PLANT_NOISE = 0.01


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: kilobytes


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def median_time(action: Callable[[], object], repeat: int) -> dict[str, float]:
    action()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"median_s": round(statistics.median(wall), 4), "cpu_median_s": round(statistics.median(cpu), 4)}


def simulated_templates(n: int, seed: int, plant_from: int, planted: int) -> tuple[np.ndarray, set[tuple[int, int]]]:
    """N simulated templates; ``planted`` rows at or after ``plant_from`` are noisy copies of random earlier rows."""
    rng = np.random.default_rng(seed)
    templates = rng.standard_normal((n, DIMENSION), dtype=np.float32)
    templates *= VALUE_SCALE
    later = rng.choice(np.arange(plant_from, n), size=min(planted, n - plant_from), replace=False)
    pairs = set()
    for row in sorted(later.tolist()):
        source = int(rng.integers(0, row))
        templates[row] = templates[source] + rng.normal(0.0, PLANT_NOISE, DIMENSION).astype(np.float32)
        pairs.add((row, source))
    return templates, pairs


def naive_row_loop(templates: np.ndarray, probe: np.ndarray, rows: int) -> float:
    """Seconds per gallery row of a plain loop (the baseline): one norm per row."""
    sample = templates[:rows]
    start = time.perf_counter()
    best = np.inf
    for row in sample:
        distance = float(np.linalg.norm(row - probe))
        best = min(best, distance)
    return (time.perf_counter() - start) / rows


def run(options: argparse.Namespace) -> dict[str, Any]:
    n, queries = options.templates, min(options.dedup_queries, options.templates - 1)
    start = n - queries
    full_pairs = n * (n - 1) // 2
    measured_pairs = queries * start + queries * (queries - 1) // 2
    log(f"generating {n:,} simulated templates …")
    t0 = time.perf_counter()
    templates, planted = simulated_templates(n, options.seed, start, options.planted)
    generated_s = time.perf_counter() - t0
    rng = np.random.default_rng(options.seed + 1)
    probes = templates[rng.integers(0, n, options.probes)] + rng.normal(0.0, PLANT_NOISE, (options.probes, DIMENSION))
    probes = probes.astype(np.float32)

    numpy_result, found, numpy_times = run_numpy(options, templates, probes, start)
    numpy_one, numpy_dedup_s, numpy_dedup_cpu = numpy_times
    numpy_rate = measured_pairs / numpy_dedup_s
    numpy_recall = len(planted & found) / len(planted) if planted else 1.0

    log("naive loop …")
    naive_per_row = naive_row_loop(templates, probes[0], min(options.naive_rows, n))

    result: dict[str, Any] = {
        "benchmark": "face_dedup",
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpu_count": os.cpu_count(),
            "threads": options.threads,
            "load_average_before": os.getloadavg(),
        },
        "data": {
            "templates": n,
            "dimension": DIMENSION,
            "simulated": True,
            "generator": f"numpy.random.default_rng({options.seed}).standard_normal × {VALUE_SCALE}, float32",
            "planted_near_duplicates_in_measured_rows": len(planted),
            "generate_s": round(generated_s, 2),
            "threshold": options.threshold,
        },
        "one_probe": {
            "numpy": numpy_result["one_probe"],
            "numpy_four_frames": numpy_result["four_probes"],
            "naive": {
                "median_s": round(naive_per_row * n, 2),
                "extrapolated": True,
                "method": f"Python loop, numpy.linalg.norm per row, timed on {min(options.naive_rows, n):,} rows",
            },
        },
        "dedup": {
            "measured_queries": queries,
            "measured_pairs": measured_pairs,
            "full_pairs": full_pairs,
            "numpy": {
                "measured_s": round(numpy_dedup_s, 2),
                "measured_cpu_s": round(numpy_dedup_cpu, 2),
                "pairs_per_s": round(numpy_rate),
                "pairs_per_cpu_s": round(measured_pairs / numpy_dedup_cpu),
                "full_dedup_s": round(full_pairs / numpy_rate),
                "full_dedup_hours": round(full_pairs / numpy_rate / 3600, 2),
                "extrapolated": True,
                "import_of_measured_queries_s": round(numpy_dedup_s, 2),
                "recall_of_planted": numpy_recall,
                "pairs_found": len(found),
                "gallery_build_s": numpy_result["build_s"],
            },
            "naive": {
                "full_dedup_s": round(naive_per_row * full_pairs),
                "full_dedup_years": round(naive_per_row * full_pairs / (365.25 * 86400), 1),
                "extrapolated": True,
            },
        },
        "memory": {**numpy_result["memory"], "templates_input_mb": round(templates.nbytes / 2**20, 1)},
    }
    result["faiss"] = run_faiss(options, templates, probes, start, planted, measured_pairs, full_pairs, queries)
    result["memory"]["peak_rss_end_mb"] = peak_rss_mb()
    faiss_result = result["faiss"]
    if faiss_result.get("available"):
        faiss_dedup = faiss_result["dedup"]
        result["comparison"] = {
            "note": "ratios > 1 favour numpy; CPU ratios are the fairer ones on a shared machine",
            "one_probe_time_faiss_over_numpy": round(faiss_result["one_probe"]["median_s"] / numpy_one["median_s"], 2),
            "one_probe_cpu_faiss_over_numpy": round(
                faiss_result["one_probe"]["cpu_median_s"] / numpy_one["cpu_median_s"], 2
            ),
            "dedup_rate_numpy_over_faiss": round(numpy_rate / faiss_dedup["distances_per_s"], 2),
            "dedup_cpu_rate_numpy_over_faiss": round(
                measured_pairs / numpy_dedup_cpu / faiss_dedup["distances_per_cpu_s"], 2
            ),
        }
    return result


def run_numpy(
    options: argparse.Namespace, templates: np.ndarray, probes: np.ndarray, start: int
) -> tuple[dict[str, Any], set[tuple[int, int]], tuple[dict[str, float], float, float]]:
    """Shailoo's search: gallery, one probe, four probes, dedup of rows ``start …`` (the gallery is freed after)."""
    log("numpy gallery …")
    gallery = FaceGallery(capacity=len(templates))
    labels = [f"{i:014d}" for i in range(len(templates))]
    t0 = time.perf_counter()
    gallery.extend(labels, templates)
    build_s = time.perf_counter() - t0
    del labels
    rss_after_gallery = current_rss_mb()
    counter = iter(range(10**9))

    def one_probe() -> object:
        return gallery.nearest_other(probes[next(counter) % len(probes)], "x")

    def four_probes() -> object:  # a liveness submission: 4 frames searched at once
        i = next(counter)
        return gallery.nearest_other(probes[[(i + k) % len(probes) for k in range(4)]], "x")

    log("numpy: one 1:N probe …")
    one = median_time(one_probe, options.probes)
    four = median_time(four_probes, max(3, options.probes // 3))
    log(f"numpy: dedup of the last {len(templates) - start:,} rows against all earlier rows …")
    t0, c0 = time.perf_counter(), time.process_time()
    found = {(p.later, p.earlier) for p in gallery.iter_close_pairs(start, options.threshold)}
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    result = {
        "one_probe": {**one, "method": "FaceGallery.nearest_other, 1 probe"},
        "four_probes": {**four, "method": "FaceGallery.nearest_other, 4 probes at once"},
        "build_s": round(build_s, 2),
        "memory": {
            "gallery_mb": round(gallery.nbytes / 2**20, 1),
            "rss_after_numpy_gallery_mb": rss_after_gallery,
            "peak_rss_after_numpy_mb": peak_rss_mb(),
        },
    }
    return result, found, (one, elapsed, cpu)


def run_faiss(
    options: argparse.Namespace,
    templates: np.ndarray,
    probes: np.ndarray,
    start: int,
    planted: set[tuple[int, int]],
    measured_pairs: int,
    full_pairs: int,
    queries: int,
) -> dict[str, Any]:
    if options.no_faiss:
        return {"available": False, "reason": "--no-faiss"}
    try:
        import faiss
    except ImportError:
        return {"available": False, "reason": "faiss-cpu is not installed (uv pip install faiss-cpu)"}
    faiss.omp_set_num_threads(options.threads)
    log("FAISS IndexFlatL2 …")
    rss_before = current_rss_mb()
    index = faiss.IndexFlatL2(DIMENSION)
    t0 = time.perf_counter()
    index.add(templates)
    build_s = time.perf_counter() - t0
    rss_index = round(current_rss_mb() - rss_before, 1)
    counter = iter(range(10**9))

    def faiss_probe() -> object:
        i = next(counter) % len(probes)
        return index.search(probes[i : i + 1], 2)

    one = median_time(faiss_probe, options.probes)
    log(f"FAISS: range search of the last {queries:,} rows …")
    t0, c0 = time.perf_counter(), time.process_time()
    lims, _distances, ids = index.range_search(templates[start:], options.threshold**2)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    found = set()
    for q in range(queries):
        for j in ids[lims[q] : lims[q + 1]].tolist():
            if j < start + q:
                found.add((start + q, j))
    computed = queries * len(templates)  # FAISS compares every query with every row
    rate = computed / elapsed
    return {
        "available": True,
        "version": faiss.__version__,
        "index": "IndexFlatL2 (exact)",
        "index_build_s": round(build_s, 2),
        "index_extra_rss_mb": rss_index,
        "one_probe": {**one, "method": "IndexFlatL2.search, k=2, 1 probe"},
        "dedup": {
            "measured_s": round(elapsed, 2),
            "measured_cpu_s": round(cpu, 2),
            "distances_computed": computed,
            "distances_per_s": round(rate),
            "distances_per_cpu_s": round(computed / cpu),
            "full_dedup_s": round(full_pairs / rate),
            "full_dedup_hours": round(full_pairs / rate / 3600, 2),
            "extrapolated": True,
            "recall_of_planted": len(planted & found) / len(planted) if planted else 1.0,
            "pairs_found_among_earlier_rows": len(found),
        },
    }


def main() -> None:
    options = _OPTIONS
    if options.quick:
        options.templates, options.dedup_queries, options.probes = 200_000, 1024, 5
        options.naive_rows = min(options.naive_rows, 5000)
    started = time.perf_counter()
    result = run(options)
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

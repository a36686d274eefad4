"""What the coercion-resistant benchmarks share (bench/coercion.py, bench/shuffle.py): progress on stderr, medians,
the machine and its load (``uptime``'s load averages: the machine is shared), one core pinned for the one-core
figures, a local Dask cluster for the parallel ones, and the ONE JSON document printed on stdout.

Each script starts by putting the repository root first on ``sys.path`` and dropping ``bench/`` (its ``crypto.py``
would shadow the package), then imports this module as ``bench._harness``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def median_of(function: Callable[[], object], repeats: int) -> dict[str, Any]:
    """``{"median_s", "min_s", "repeats"}`` of ``repeats`` runs of ``function``."""
    samples = [timed(function) for _ in range(repeats)]
    return {"median_s": statistics.median(samples), "min_s": min(samples), "repeats": repeats}


def median_s(function: Callable[[], object], repeats: int) -> float:
    return float(median_of(function, repeats)["median_s"])


def pin_one_core() -> None:
    """Run this process on one core (the one-core figures); workers of a Dask cluster are not pinned."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def unpin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


def machine(cores_used: int | str) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cores_used": cores_used,
    }


def load() -> dict[str, Any]:
    """The load averages (1, 5, 15 min) and the time, as ``uptime`` shows them."""
    return {"load_average": list(os.getloadavg()), "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


Mapper = Callable[[Callable[[Any], Any], list[Any]], list[Any]]


@contextmanager
def dask_cluster(workers: int) -> Iterator[Mapper]:
    """A local Dask cluster of ``workers`` single-threaded processes, as a ``mapper(function, tasks)``."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):

        def mapper(function: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
            return list(client.gather(client.map(function, tasks, pure=False)))

        yield mapper


def emit(report: dict[str, Any]) -> None:
    json.dump(report, sys.stdout, indent=1)
    print()

"""Benchmark of re-voting in the coercion-resistant mode (docs/spec/credentials.md §5): the one-pass steps over
decrypted tags, on one core, against `match_tags` (the matching that existed before) measured in the same run.

Run from the repository root::

    uv run --frozen python bench/keep_last.py            # 100,000 ballots (10% re-votes), 100,000 roster entries
    uv run --frozen python bench/keep_last.py --quick    # 1,000 (the smoke test)

Prints ONE JSON document on stdout (progress on stderr):

* ``keep_last``: the last ballot of each order tag over ``--ballots`` order tags, ``--revote`` of them repeats of an
  earlier credential (measured);
* ``linked_tags``: the refusal of match tags that are order tags (``check_unlinkable``), the ballots' and the
  roster's match tags against the order tags (measured);
* ``baseline_match_tags``: `match_tags` of the kept ballots' tags against the roster's (measured, same run).

The blinding and decryption of the order step cost, per ballot and trustee, what the match step costs per ballot
(one blinding with its proof, one decryption share): bench/coercion.py's ``tagging`` measures that per ciphertext.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))

from crypto.credentials import keep_last, linked_tags, match_tags  # noqa: E402
from crypto.group import Point, Scalar  # noqa: E402

SCHEMA = "shailoo-bench-keep-last/1"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def _points(count: int, offset: int) -> list[Point]:
    points = [Point.base_mul(Scalar(offset + i + 1)) for i in range(count)]
    for p in points:
        p.to_bytes()  # tags arrive decoded from bytes, encodings cached: time the passes alone
    return points


def run(ballots: int, revote: float) -> dict[str, Any]:
    repeats = int(ballots * revote)
    voters = ballots - repeats
    _log(f"making {2 * voters} tag points …")
    credentials = _points(voters, 0)
    # Board order: every voter once, then the re-votes of randomly chosen voters (secrets: no `random` here).
    order_tags = credentials + [credentials[secrets.randbelow(voters)] for _ in range(repeats)]
    roster_tags = _points(voters, 10 * ballots)  # stand-ins for z·S: distinct points, as many as the voters
    kept, keep_s = _timed(lambda: keep_last(order_tags))
    match_ballots = roster_tags[: len(kept.kept)]
    linked, linked_s = _timed(lambda: linked_tags(order_tags, match_ballots + roster_tags))
    matched, match_s = _timed(lambda: match_tags(match_ballots, roster_tags))
    return {
        "keep_last": {
            "ballots": ballots,
            "kept": len(kept.kept),
            "superseded": len(kept.superseded),
            "seconds": keep_s,
        },
        "linked_tags": {
            "order_tags": ballots,
            "match_tags": len(match_ballots) + voters,
            "linked": len(linked),
            "seconds": linked_s,
        },
        "baseline_match_tags": {
            "ballots": len(match_ballots),
            "roster": voters,
            "kept": len(matched.kept),
            "seconds": match_s,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--revote", type=float, default=0.1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.ballots = 1000
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    report = {
        "schema": SCHEMA,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cores_used": 1},
        "load_average_before": os.getloadavg(),
        **run(args.ballots, args.revote),
        "load_average_after": os.getloadavg(),
    }
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

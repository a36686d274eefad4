"""Benchmark of the board's migration 0002 (an index on ``board_entry (kind, idx)``) on a real PostgreSQL.

Run from the repository root::

    uv run --frozen python bench/migrations.py                 # 500,000 entries
    uv run --frozen python bench/migrations.py --size 20000    # a quick run

A fresh database is migrated to ``0001_board_baseline`` (the schema before migrations) and filled in bulk with
``--size`` entries: ballots, and a handful of ``register_counts`` entries among them. Then, in the same run:

* ``baseline``: the two reads the index is for — `BoardStorage.count_of_kinds` of the ballots (the receipt index
  at every start) and `iter_entries_of_kinds` of the register counts (the cabinet) — at the baseline schema;
* ``upgrade_seconds``: the time of ``shailoo db upgrade`` from the baseline to head on that many rows (the server
  is stopped meanwhile);
* ``indexed``: the same two reads after it.

Prints ONE JSON document on stdout. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bulletin_board.storage import open_storage
from tests.server.postgres import fresh_postgres_url
from voting_server import schema

POSTGRES = os.environ.get("SHAILOO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fill(engine: sa.Engine, size: int) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            """INSERT INTO board_entry (idx, kind, payload, entry_hash, payload_hash, dedup_key, timestamp,
                                        promise_signature)
               SELECT i, CASE WHEN i %% 100000 = 7 THEN 'register_counts' ELSE 'ballot' END, '{"n":' || i || '}',
                      sha256(int8send(i)), sha256(int8send(-i)), NULL, 1700000000000 + i, '\\x00'
               FROM generate_series(0, %(n)s - 1) AS i""",
            {"n": size},
        )
        conn.exec_driver_sql("UPDATE board_state SET size = %(n)s", {"n": size})
        conn.exec_driver_sql("ANALYZE board_entry")


def reads(url: str, rounds: int) -> dict[str, float]:
    storage = open_storage(url, create=False)
    try:
        count, scan = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            storage.count_of_kinds(["ballot"])
            count.append(time.perf_counter() - start)
            start = time.perf_counter()
            found = sum(1 for _ in storage.iter_entries_of_kinds(["register_counts"]))
            scan.append(time.perf_counter() - start)
        assert found >= 1
        return {
            "count_ballots_ms": round(statistics.median(count) * 1000, 2),
            "register_counts_ms": round(statistics.median(scan) * 1000, 2),
        }
    finally:
        storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with fresh_postgres_url(POSTGRES, migrate=False) as url:
        engine = sa.create_engine(url)
        schema.upgrade(engine, (schema.BOARD,), "0001_board_baseline")
        fill(engine, args.size)
        baseline = reads(url, args.rounds)
        start = time.perf_counter()
        schema.upgrade(engine, (schema.BOARD,))
        upgrade_seconds = time.perf_counter() - start
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE board_entry")
        indexed = reads(url, args.rounds)
        engine.dispose()
    print(
        json.dumps(
            {
                "migrations": {
                    "entries": args.size,
                    "baseline": baseline,
                    "upgrade_seconds": round(upgrade_seconds, 2),
                    "indexed": indexed,
                    "register_counts_speedup": round(baseline["register_counts_ms"] / indexed["register_counts_ms"], 1),
                }
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

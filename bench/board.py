"""Benchmark of the bulletin board: appends, proofs at 1,000,000 entries, export — each against a baseline.

Run from the repository root::

    uv run --frozen python bench/board.py              # full run: 1,000,000-entry stores (several minutes)
    uv run --frozen python bench/board.py --quick      # small sizes, for a smoke test
    uv run --frozen python bench/board.py --size 200000 --backends sqlite

Prints ONE JSON document on stdout (progress on stderr). Per backend (SQLite file, PostgreSQL schema):

* ``append``: acknowledged appends per second — one transaction per append (the baseline), ``append_many``
  batches, and `GroupCommitter` with concurrent threads each appending one entry at a time;
* ``proofs``: inclusion and consistency proof times from stored hashes in a store of ``--size`` entries,
  against the naive baseline that rebuilds the tree from all leaf hashes (measured at a smaller size, with the
  linear extrapolation to ``--size``);
* ``export``: export speed of the whole store, and offline verification speed of an export.

The big store is built in bulk (precomputed leaves, hashes, promise signatures and Merkle nodes inserted with
``executemany``) rather than through the append path, which the ``append`` section measures separately.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board import merkle
from bulletin_board.checkpoint import sign_promise
from bulletin_board.entries import payload_hash
from bulletin_board.export import iter_export, verify_export
from bulletin_board.group_commit import GroupCommitter
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import (
    ENTRY,
    NODE,
    STATE,
    drop_postgres_schema,
    node_id,
    open_storage,
)

SCHEMA = "shailoo-bench-board/1"
ORIGIN = "cec.shailoo.kg/board/bench"
TARGETS = {"postgres_appends_per_s": 2000, "proof_ms": 5.0}
DEFAULT_PG = os.environ.get("SHAILOO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def log(message: str) -> None:
    print(f"[bench/board] {message}", file=sys.stderr, flush=True)


def timings(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "median_ms": statistics.median(ordered) * 1e3,
        "p10_ms": pick(0.1) * 1e3,
        "p90_ms": pick(0.9) * 1e3,
        "max_ms": ordered[-1] * 1e3,
        "repeats": len(ordered),
    }


# --- stores ------------------------------------------------------------------------------------------------------


class Store:
    """A fresh board database for one backend, removed afterwards."""

    def __init__(self, backend: str, pg_url: str, workdir: Path) -> None:
        self.backend, self.pg_url = backend, pg_url
        self.schema = f"bench_board_{secrets.token_hex(4)}" if backend == "postgres" else None
        self.url = pg_url if backend == "postgres" else f"sqlite:///{workdir / f'board-{secrets.token_hex(4)}.db'}"
        self.storage = open_storage(self.url, schema=self.schema)
        self.key = Ed25519PrivateKey.generate()
        self.board = BulletinBoard(self.storage, self.key, origin=ORIGIN)
        self.board.append_many([("manifest", {}), ("trustee_commitment", {}), ("joint_key", {}), ("channels_open", {})])

    def close(self) -> None:
        self.storage.close()
        if self.schema:
            drop_postgres_schema(self.pg_url, self.schema)


def ballot(n: int) -> dict[str, Any]:
    # About the size of a small encrypted contest's hashes; the board's cost does not depend on the content.
    return {"n": n, "tracking_code": secrets.token_hex(16), "ciphertexts": [secrets.token_hex(33)] * 4}


# --- appends -----------------------------------------------------------------------------------------------------


def bench_appends(store: Store, single: int, batched: int, batch: int, threads: list[int]) -> dict[str, Any]:
    board = store.board
    t = time.perf_counter()
    for n in range(single):
        board.append("ballot", ballot(n))
    one_by_one = single / (time.perf_counter() - t)
    log(f"{store.backend}: {one_by_one:.0f} appends/s one transaction each")

    t = time.perf_counter()
    for lo in range(0, batched, batch):
        board.append_many([("ballot", ballot(n)) for n in range(lo, min(batched, lo + batch))])
    many = batched / (time.perf_counter() - t)
    log(f"{store.backend}: {many:.0f} appends/s with append_many({batch})")

    grouped: dict[str, float] = {}
    for count in threads:
        payloads = [ballot(n) for n in range(batched)]
        with GroupCommitter(board) as committer, ThreadPoolExecutor(count) as pool:
            t = time.perf_counter()
            list(pool.map(lambda p: committer.append("ballot", p), payloads))
            grouped[str(count)] = batched / (time.perf_counter() - t)
        log(f"{store.backend}: {grouped[str(count)]:.0f} appends/s with group commit ({count} threads)")
    best_grouped = max(grouped.values())
    return {
        "baseline_one_transaction_each_per_s": one_by_one,
        "one_transaction_each_count": single,
        "append_many_per_s": many,
        "append_many_batch": batch,
        "group_commit_per_s_by_threads": grouped,
        "appends_measured": batched,
        "speedup_append_many": many / one_by_one,
        "speedup_group_commit_best": best_grouped / one_by_one,
        "best_acknowledged_per_s": max(many, best_grouped),
    }


# --- the big store -----------------------------------------------------------------------------------------------


def bulk_build(store: Store, size: int, chunk: int = 20_000) -> dict[str, Any]:
    """Fill the store up to ``size`` entries with signed ballots, inserting rows and Merkle nodes in bulk."""
    storage, key = store.storage, store.key
    start, _ = storage.state()
    frontier_cover = merkle.subtree_cover(0, start)
    frontier = storage.subtree_hashes(frontier_cover)
    t = time.perf_counter()
    now = int(time.time() * 1000)
    for lo in range(start, size, chunk):
        hi = min(size, lo + chunk)
        rows, leaves = [], []
        for i in range(lo, hi):
            payload = b'{"n":%d}' % i
            leaf = b'{"index":%d,"kind":"ballot","payload":%s}' % (i, payload)
            h = merkle.leaf_hash(leaf)
            leaves.append(h)
            rows.append(
                {
                    "idx": i,
                    "kind": "ballot",
                    "payload": payload.decode(),
                    "entry_hash": h,
                    "payload_hash": payload_hash("ballot", {"n": i}),
                    "dedup_key": None,
                    "timestamp": now,
                    "promise_signature": sign_promise(ORIGIN, i, h, now, key).signature,
                }
            )
        nodes = merkle.new_subtree_hashes(lo, frontier, leaves)
        known = {**frontier, **nodes}
        frontier = {s: known[s] for s in merkle.subtree_cover(0, hi)}
        with storage.engine.begin() as conn:
            conn.execute(sa.insert(ENTRY), rows)
            conn.execute(sa.insert(NODE), [{"node_id": node_id(s), "hash": h} for s, h in nodes.items()])
            conn.execute(sa.update(STATE).where(STATE.c.id == 1).values(size=hi))
        if (hi // chunk) % 10 == 0 or hi == size:
            log(f"{store.backend}: built {hi} entries ({time.perf_counter() - t:.0f} s)")
    seconds = time.perf_counter() - t
    head = store.board.integrate()
    return {
        "entries": size,
        "build_s": seconds,
        "entries_per_s": (size - start) / seconds,
        "root": head.root_hash.hex(),
    }


# --- proofs ------------------------------------------------------------------------------------------------------


def bench_proofs(store: Store, size: int, repeats: int, baseline_size: int) -> dict[str, Any]:
    board = store.board
    head = board.tree_head()
    assert head.size == size
    indices = [secrets.randbelow(size) for _ in range(repeats)]
    inclusion, verify_inc = [], []
    for i in indices:
        t = time.perf_counter()
        proof = board.inclusion_proof(i, size)
        inclusion.append(time.perf_counter() - t)
        leaf = merkle.leaf_hash(b'{"index":%d,"kind":"ballot","payload":{"n":%d}}' % (i, i)) if i >= 4 else None
        if leaf is not None:
            t = time.perf_counter()
            proof.verify(leaf, head.root_hash)
            verify_inc.append(time.perf_counter() - t)
    consistency = []
    for _ in range(repeats):
        old = 1 + secrets.randbelow(size - 1)
        t = time.perf_counter()
        proof_c = board.consistency_proof(old, size)
        consistency.append(time.perf_counter() - t)
    old_head_size = proof_c.old_size
    by_hash = []
    for i in indices[: max(1, repeats // 4)]:
        h = board.entry(max(i, 4)).entry_hash
        t = time.perf_counter()
        board.inclusion_proof(h, size)
        by_hash.append(time.perf_counter() - t)
    log(f"{store.backend}: inclusion proof median {statistics.median(inclusion) * 1e3:.2f} ms at {size} entries")

    # Baseline: rebuild the tree from all leaf hashes for each proof (leaf hashes already in memory).
    leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(baseline_size)]
    naive = []
    for _ in range(3):
        t = time.perf_counter()
        merkle.inclusion_proof(leaves, secrets.randbelow(baseline_size))
        naive.append(time.perf_counter() - t)
    naive_ms = statistics.median(naive) * 1e3
    inclusion_t = timings(inclusion)
    return {
        "entries": size,
        "inclusion_proof": inclusion_t,
        "inclusion_proof_by_entry_hash": timings(by_hash),
        "consistency_proof": timings(consistency),
        "verify_inclusion": timings(verify_inc) if verify_inc else None,
        "last_consistency_old_size": old_head_size,
        "baseline_rebuild_from_leaves": {
            "leaves": baseline_size,
            "median_ms": naive_ms,
            "extrapolated_to_entries_ms": naive_ms * size / baseline_size,
            "extrapolated": baseline_size != size,
        },
        "speedup_vs_rebuild": naive_ms * size / baseline_size / inclusion_t["median_ms"],
        "target_ms": TARGETS["proof_ms"],
        "target_met": inclusion_t["p90_ms"] <= TARGETS["proof_ms"]
        and timings(consistency)["p90_ms"] <= TARGETS["proof_ms"],
    }


# --- export ------------------------------------------------------------------------------------------------------


def bench_export(store: Store, verify_limit: int) -> dict[str, Any]:
    board = store.board
    t = time.perf_counter()
    written = 0
    sink: list[bytes] = []
    size = board.tree_head().size
    keep = size <= verify_limit
    for line in iter_export(board):
        written += len(line)
        if keep:
            sink.append(line)
    seconds = time.perf_counter() - t
    log(f"{store.backend}: exported {size} entries in {seconds:.1f} s")
    result: dict[str, Any] = {
        "entries": size,
        "export_s": seconds,
        "export_entries_per_s": size / seconds,
        "export_mb_per_s": written / seconds / 1e6,
        "bytes": written,
    }
    if keep:
        t = time.perf_counter()
        verify_export(sink, log_key=board.public_key)
        verify_s = time.perf_counter() - t
        result |= {"verify_s": verify_s, "verify_entries_per_s": size / verify_s}
    return result


def bench_verify_small(store: Store) -> dict[str, Any]:
    """Offline verification speed on the export of the append benchmark's board (every entry checked)."""
    board = store.board
    board.integrate()
    data = b"".join(iter_export(board))
    t = time.perf_counter()
    summary = verify_export(io.BytesIO(data), log_key=board.public_key)
    seconds = time.perf_counter() - t
    return {"entries": summary.size, "verify_s": seconds, "verify_entries_per_s": summary.size / seconds}


# --- main --------------------------------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    store = Store(backend, args.postgres_url, workdir)
    try:
        threads = [int(t) for t in args.threads.split(",")]
        out["append"] = bench_appends(store, args.single, args.appends, args.batch, threads)
        out["verify_export_of_append_board"] = bench_verify_small(store)
    finally:
        store.close()
    store = Store(backend, args.postgres_url, workdir)
    try:
        out["build"] = bulk_build(store, args.size)
        out["proofs"] = bench_proofs(store, args.size, args.repeats, min(args.size, args.baseline_size))
        out["export"] = bench_export(store, args.verify_limit)
    finally:
        store.close()
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke test")
    parser.add_argument("--size", type=int, default=1_000_000, help="entries in the proof/export store")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument("--appends", type=int, default=5000, help="appends per batched measurement")
    parser.add_argument("--single", type=int, default=300, help="appends in the one-transaction-each baseline")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--threads", default="16,64", help="group-commit thread counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--baseline-size", type=int, default=65_536)
    parser.add_argument("--verify-limit", type=int, default=100_000, help="verify exports up to this size")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.appends, args.single, args.repeats = min(args.size, 5000), 400, 40, 30
        args.baseline_size = min(args.baseline_size, 2048)
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "quick": args.quick,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "targets": TARGETS,
        "backends": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            report["backends"][backend] = run_backend(backend, args, Path(tmp))
    pg = report["backends"].get("postgres")
    if pg:
        best = pg["append"]["best_acknowledged_per_s"]
        report["postgres_appends_target_met"] = best >= TARGETS["postgres_appends_per_s"]
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()

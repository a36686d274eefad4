"""Load benchmark: casting at the target rate for a long time while the public board and the dashboard are read,
then overload. Loopback only, every phase bounded in time, ONE JSON document on stdout (progress on stderr).

Run from the repository root::

    uv run --frozen python bench/load.py                         # 10 minutes at 100 presidential ballots/s
    uv run --frozen python bench/load.py --duration 60           # a short run
    uv run --frozen python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Phases (docs in bench/load.md):

1. **sustained**: presidential ballots (18 selections, every one fully checked and durably on the board) arrive at
   ``--rate`` per second (open loop: voters do not wait for each other) for ``--duration`` seconds, while readers
   poll the tree head, entry pages, inclusion proofs, tracking-code look-ups and the observer dashboard. Reported:
   offered and achieved rate, p50/p99/max latency, errors by code, the readers' latencies, and the resident memory
   (RSS) of the server processes sampled every 5 s.
2. **overload**: ``--overload-rate`` (default 4× the rate) for ``--overload-duration`` seconds. A protected server
   answers what it cannot take with 429/503 and ``Retry-After``; every request must end as a receipt that is on the
   board or an explicit refusal — never a silent loss. Requests still unanswered after ``--client-timeout`` seconds
   (a phone gives up) are counted and looked for on the board.
3. **audit**: every receipt is checked against the board (same index, same entry hash), every ballot on the board
   is counted once, and the same server's one-ballot check in-process gives the baseline (capacity ≈ workers / time
   per ballot) compared in the same run.

The server, the election setup (manifest, five trustees over HTTP, issuer keys, voters with credentials) and the
ballot encryption (before the clock starts) are those of bench/cast.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psutil

from bench.cast import Server, log, prepare_ballots, setup_election, verify_baseline
from record.ballot import EncryptedBallot

SCHEMA = "shailoo-bench-load/1"
TARGET = {"ballots_per_s": 100.0, "p99_ms": 250.0}
#: Statuses a server may use to refuse load explicitly; each must carry Retry-After.
OVERLOAD_STATUSES = {429, 503}


def _percentiles(values_s: list[float]) -> dict[str, float | None]:
    ms = sorted(v * 1000 for v in values_s)
    if not ms:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1),
        "max_ms": round(ms[-1], 1),
    }


@dataclass
class Outcomes:
    """What every cast request ended as."""

    latencies: list[float] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    refusals: dict[str, int] = field(default_factory=dict)
    refusals_with_retry_after: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    unanswered: list[bytes] = field(default_factory=list)
    unanswered_reasons: dict[str, int] = field(default_factory=dict)

    def record(self, body: bytes, response: httpx.Response | None, elapsed: float, failure: str = "") -> None:
        if response is None:
            self.unanswered.append(body)
            self.unanswered_reasons[failure] = self.unanswered_reasons.get(failure, 0) + 1
            return
        if response.status_code == 200:
            self.latencies.append(elapsed)
            self.receipts.append(response.json())
            return
        try:
            code = str(response.json().get("code", response.status_code))
        except ValueError:
            code = f"http_{response.status_code}"
        if response.status_code in OVERLOAD_STATUSES:
            self.refusals[code] = self.refusals.get(code, 0) + 1
            self.refusals_with_retry_after += "retry-after" in response.headers
        else:
            self.errors[code] = self.errors.get(code, 0) + 1

    def summary(self, offered: int, elapsed: float, rate: float) -> dict[str, Any]:
        refused = sum(self.refusals.values())
        return {
            "offered": offered,
            "offered_rate_per_s": rate,
            "accepted": len(self.receipts),
            "accepted_per_s": round(len(self.receipts) / elapsed, 1) if elapsed else 0.0,
            **_percentiles(self.latencies),
            "refused_overload": self.refusals,
            "refused_with_retry_after": self.refusals_with_retry_after,
            "refused_without_retry_after": refused - self.refusals_with_retry_after,
            "errors": self.errors,
            "unanswered": len(self.unanswered),
            "unanswered_reasons": self.unanswered_reasons,
            "duration_s": round(elapsed, 1),
        }


async def _cast_open_loop(
    http: httpx.AsyncClient, bodies: list[bytes], rate: float, seconds: float, timeout: float, outcomes: Outcomes
) -> tuple[int, float]:
    """Send ``bodies`` at ``rate`` per second for at most ``seconds``; wait at most ``timeout`` for the last."""

    async def one(body: bytes) -> None:
        t0 = time.perf_counter()
        failure = ""
        try:
            response = await http.post(
                "/v1/ballots", content=body, headers={"content-type": "application/json"}, timeout=timeout
            )
        except httpx.HTTPError as e:  # no answer: a timeout, a refused or reset connection
            response, failure = None, type(e).__name__
        outcomes.record(body, response, time.perf_counter() - t0, failure)

    started = time.perf_counter()
    tasks = []
    for i, body in enumerate(bodies):
        due = started + i / rate
        if due - started >= seconds:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(body)))
    await asyncio.gather(*tasks)
    return len(tasks), time.perf_counter() - started


class Readers:
    """Observers and voters reading while ballots arrive: each endpoint polled about twice a second."""

    def __init__(self, http: httpx.AsyncClient, outcomes: Outcomes) -> None:
        self.http = http
        self.outcomes = outcomes  # the tracking codes to look up come from the receipts voters got so far
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    async def _get(self, name: str, path: str, **params: Any) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            response = await self.http.get(path, params=params or None, timeout=30)
        except httpx.HTTPError:
            self.errors[name] = self.errors.get(name, 0) + 1
            return None
        self.latencies.setdefault(name, []).append(time.perf_counter() - t0)
        if response.status_code >= 400:
            self.errors[name] = self.errors.get(name, 0) + 1
        return response

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            head = await self._get("tree_head", "/v1/board/tree-head")
            size = 0
            if head is not None and head.status_code == 200:
                size = int(head.text.splitlines()[1])
            await self._get("entries_page", "/v1/board/entries", start=max(0, size - 100), end=size)
            if size > 1:
                await self._get("inclusion_proof", "/v1/board/proofs/inclusion", index=size // 2)
            if self.outcomes.receipts:
                await self._get("tracking_code", f"/v1/receipts/{self.outcomes.receipts[-1]['tracking_code']}")
            await self._get("dashboard", "/observe/")
            await self._get("dashboard_board", "/observe/board")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    def summary(self) -> dict[str, Any]:
        return {
            name: {"requests": len(values), **_percentiles(values), "errors": self.errors.get(name, 0)}
            for name, values in sorted(self.latencies.items())
        }


class MemorySampler:
    """RSS of the server's processes (the uvicorn parent and its workers), every ``period`` seconds."""

    def __init__(self, pid: int, period: float = 5.0) -> None:
        self.process = psutil.Process(pid)
        self.period = period
        self.samples_mb: list[float] = []

    def sample(self) -> float:
        processes = [self.process, *self.process.children(recursive=True)]
        total = 0
        for p in processes:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        mb = round(total / 2**20, 1)
        self.samples_mb.append(mb)
        return mb

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.period)

    def summary(self) -> dict[str, Any]:
        s = self.samples_mb
        return {"rss_mb_start": s[0], "rss_mb_max": max(s), "rss_mb_end": s[-1], "samples": len(s)} if s else {}


async def _phase(
    url: str, bodies: list[bytes], rate: float, seconds: float, timeout: float, memory: MemorySampler
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=1024, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=url, limits=limits) as http:
        outcomes = Outcomes()
        readers = Readers(http, outcomes)
        stop = asyncio.Event()
        background = [asyncio.create_task(readers.run(stop)), asyncio.create_task(memory.run(stop))]
        offered, elapsed = await _cast_open_loop(http, bodies, rate, seconds, timeout, outcomes)
        stop.set()
        await asyncio.gather(*background)
    return {"casting": outcomes.summary(offered, elapsed, rate), "readers": readers.summary(), "_outcomes": outcomes}


def _board(url: str) -> tuple[list[dict[str, Any]], int]:
    """Every entry of the board through the public API (pages of 1000) and the size of the latest tree head."""
    entries: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, timeout=120) as http:
        while True:
            page = http.get("/v1/board/entries", params={"start": len(entries)}).json()
            entries.extend(page["entries"])
            if len(entries) >= page["size"] or not page["entries"]:
                break
        head_size = int(http.get("/v1/board/tree-head").text.splitlines()[1])
    return entries, head_size


def audit(url: str, phases: list[Outcomes]) -> dict[str, Any]:
    """Receipts against the board; ballots counted once; unanswered requests looked for on the board."""
    time.sleep(2.0)  # past the maximum merge delay: every stored entry is in a signed tree head
    entries, head_size = _board(url)
    ballots = [e for e in entries if e["kind"] == "ballot"]
    hashes = {EncryptedBallot.from_json(e["payload"]).ballot_hash().hex(): e["index"] for e in ballots}
    receipts = [r for outcomes in phases for r in outcomes.receipts]
    missing = [
        r
        for r in receipts
        if r["entry_index"] >= len(entries) or entries[r["entry_index"]]["entry_hash"] != r["entry_hash"]
    ]
    unanswered = [json.loads(b)["ballot"] for outcomes in phases for b in outcomes.unanswered]
    unanswered_on_board = sum(EncryptedBallot.from_json(b).ballot_hash().hex() in hashes for b in unanswered)
    return {
        "board_size": len(entries),
        "signed_tree_head_size": head_size,
        "ballots_on_board": len(ballots),
        "distinct_ballots_on_board": len(hashes),
        "receipts_held": len(receipts),
        "receipts_not_on_board": len(missing),
        "unanswered_requests": len(unanswered),
        "unanswered_but_on_board": unanswered_on_board,
        "ballots_on_board_without_a_receipt": len(ballots) - len(receipts),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    overload_rate = args.overload_rate or 4 * args.rate
    sustained_count = int(args.rate * args.duration) + 1
    overload_count = int(overload_rate * args.overload_duration) + 1
    with tempfile.TemporaryDirectory(prefix="shailoo-bench-load-") as tmp:
        workdir = Path(tmp)
        db_url = args.database_url or f"sqlite:///{workdir / 'board.sqlite3'}"
        if args.database_url:
            from bench.cast import _fresh_postgres

            db_url = _fresh_postgres(args.database_url)
        server = Server(workdir, db_url, args.workers)
        try:
            client, credentials, _ = setup_election(server, db_url, "president", args.voters, args.issuer_bits)
            t0 = time.perf_counter()
            bodies = prepare_ballots(client, credentials, sustained_count + overload_count)
            log(f"{len(bodies)} ballots encrypted in {time.perf_counter() - t0:.0f} s")
            baseline = verify_baseline(client.election(), bodies, samples=min(len(bodies), 20))
            memory = MemorySampler(server.process.pid)
            log(f"sustained: {args.rate}/s for {args.duration} s")
            sustained = asyncio.run(
                _phase(server.url, bodies[:sustained_count], args.rate, args.duration, args.client_timeout, memory)
            )
            log(f"sustained: {sustained['casting']}")
            log(f"overload: {overload_rate}/s for {args.overload_duration} s")
            overload = asyncio.run(
                _phase(
                    server.url,
                    bodies[sustained_count:],
                    overload_rate,
                    args.overload_duration,
                    args.client_timeout,
                    memory,
                )
            )
            log(f"overload: {overload['casting']}")
            checked = audit(server.url, [sustained.pop("_outcomes"), overload.pop("_outcomes")])
            memory.sample()
        finally:
            server.stop()
            if args.database_url:
                from bench.cast import _drop_postgres

                _drop_postgres(args.database_url, db_url)
    capacity = args.workers * 1000 / baseline["batched_ms_per_ballot"] if baseline["batched_ms_per_ballot"] else None
    s, o = sustained["casting"], overload["casting"]
    verdict = {
        "rate_sustained": s["accepted_per_s"] >= 0.97 * min(args.rate, TARGET["ballots_per_s"]) and not s["errors"],
        "p99_within_target": s["p99_ms"] is not None and s["p99_ms"] <= TARGET["p99_ms"],
        "overload_refused_explicitly": sum(o["refused_overload"].values()) > 0
        and o["refused_without_retry_after"] == 0,
        "no_silent_loss": checked["receipts_not_on_board"] == 0
        and o["unanswered"] == 0
        and s["unanswered"] == 0
        and not o["errors"],
        "every_ballot_counted_once": checked["distinct_ballots_on_board"] == checked["ballots_on_board"],
    }
    return {
        "schema": SCHEMA,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_at_start": os.getloadavg()},
        "settings": {
            "ballot": "president (18 selections)",
            "rate_per_s": args.rate,
            "duration_s": args.duration,
            "overload_rate_per_s": overload_rate,
            "overload_duration_s": args.overload_duration,
            "client_timeout_s": args.client_timeout,
            "workers": args.workers,
            "database": "postgresql" if args.database_url else "sqlite",
            "voters": args.voters,
            "listen": "127.0.0.1",
        },
        "target": TARGET,
        "sustained": sustained,
        "overload": overload,
        "memory": memory.summary(),
        "audit": checked,
        "baseline": {
            "verify_in_process": baseline,
            "capacity_estimate_per_s": round(capacity, 1) if capacity else None,
            "note": "capacity = workers / the server's batched check of one ballot, measured in-process in this run",
        },
        "verdict": verdict,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds at the target rate (default 600)")
    parser.add_argument("--rate", type=float, default=TARGET["ballots_per_s"], help="ballots per second")
    parser.add_argument("--overload-rate", type=float, default=None, help="default: 4 x --rate")
    parser.add_argument("--overload-duration", type=float, default=30.0)
    parser.add_argument("--client-timeout", type=float, default=30.0, help="seconds a voter's phone waits")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--voters", type=int, default=200, help="credentials (ballots are re-votes of them)")
    parser.add_argument("--issuer-bits", type=int, default=2048)
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL (a fresh database is made)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    args = parser.parse_args()
    report = run(args)
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

"""Benchmark of casting: the real server under uvicorn (2 workers, 127.0.0.1), many concurrent clients.

Run from the repository root::

    uv run --frozen python bench/cast.py                  # presidential and 2021 parliamentary ballots
    uv run --frozen python bench/cast.py --quick          # a short smoke run
    uv run --frozen python bench/cast.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints ONE JSON document on stdout (progress on stderr). For each ballot (``president``: 18 selections;
``parliament-2021``: the 1,156-selection party list plus a 9-selection district contest):

* ``http``: ballots cast per second sustained over the measured window and latency percentiles (p50, p99) as
  seen by the clients, with ``--clients`` concurrent connections, every ballot fully checked by the server
  (schema, registrar signature, ballot signature, canonical decoding, every proof) and durably on the board;
* ``verify``: the baseline in the same run — the server's check of one ballot in-process, proofs batched (what the
  server does) against proofs verified one by one.

Every election is set up through the APIs first (manifest, key ceremony by five trustees over HTTP, issuer keys,
device, voters with credentials); ballots are encrypted before the clock starts. The server listens on loopback
only and every phase is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.contest import verify_contest
from crypto.proofs import KIND_ZERO_OR_ONE, check_relations, disjunctive_relations
from elections.presets import build_preset
from mobile_api.client import ElectionView, VoterClient
from record.ballot import (
    EncryptedBallot,
    ballot_context,
    check_ballot,
    check_ballot_envelope,
)

TARGETS = {
    "president": {"ballots_per_s": 100.0, "p99_ms": 250.0},
    "parliament-2021": {"ballots_per_s": 5.0},
}
OPERATOR = {"Authorization": "Bearer dev-operator-token"}
DEVICE_ID = "bench-terminal"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server ------------------------------------------------------------------------------------------------


class Server:
    """``uvicorn voting_server.app:create_app --factory --workers N`` on 127.0.0.1 with its own database."""

    def __init__(self, workdir: Path, database_url: str | None, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "SHAILOO_DATABASE_URL": database_url or f"sqlite:///{workdir / 'board.sqlite3'}",
            "SHAILOO_ISSUER_KEYS_DIR": str(workdir / "issuer-keys"),
            "SHAILOO_BOARD_SIGNING_KEY": os.urandom(32).hex(),
            "SHAILOO_MIN_ISSUER_KEY_BITS": "2048",
            "SHAILOO_LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable, "-m", "uvicorn", "voting_server.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers), "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
        prepare = [sys.executable, "-c", "from voting_server.components import prepare_database as p; "
                   "from voting_server.settings import Settings as S; p(S())"]  # fmt: skip
        subprocess.run(prepare, env=env, check=True)  # the schema exists before the workers start
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the server did not become ready in 120 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- setting an election up through the APIs --------------------------------------------------------------------


def todays_manifest(preset: str) -> Any:
    """The preset with its voting window moved to now (opened an hour ago, closing in a day): the server under
    measurement runs on the system clock and takes ballots only inside the manifest's window."""
    from record.window import utc_text

    now = time.time_ns() // 1_000_000
    return build_preset(preset).with_voting_window(utc_text(now - 3_600_000), utc_text(now + 86_400_000))


def setup_election(
    server: Server, db_url: str, preset: str, voters: int, issuer_bits: int
) -> tuple[VoterClient, list[Any], Any]:
    """Manifest, key ceremony (five trustees over HTTP), issuer keys, device, voters with credentials."""
    from sqlalchemy import create_engine

    from identity.face import FaceTemplate
    from identity.registry import SqlVoterRegistry, VoterRecord
    from identity.settings import IdentitySettings
    from mobile_api.schemas import DeviceAttestation
    from trustees.ceremony_steps import new_trustee_secrets, run_trustee
    from trustees.coordinator import CeremonyParams
    from trustees.keystore_contents import MemoryStore
    from trustees.online import HttpTransport
    from voting_server.identification import device_public_key

    http = httpx.Client(base_url=server.url, timeout=120)
    manifest = todays_manifest(preset)
    body = {"manifest": manifest.to_canonical_dict()}
    http.post("/v1/admin/manifest", json=body, headers=OPERATOR).raise_for_status()
    stores = [MemoryStore(new_trustee_secrets(i, CeremonyParams(5, 3)).to_dict()) for i in range(1, 6)]
    transport = HttpTransport(http)
    for _ in range(6):
        statuses = [run_trustee(store, transport) for store in stores]  # every trustee steps each round
        if all(status.done for status in statuses):
            break
    else:
        raise RuntimeError(f"the key ceremony did not finish: {[s.describe() for s in statuses]}")
    log(f"{preset}: key ceremony done over HTTP")
    http.post("/v1/admin/issuer-keys", json={"bits": issuer_bits}, headers=OPERATOR).raise_for_status()
    device = Ed25519PrivateKey.generate()
    body = {"device_id": DEVICE_ID, "public_key": device_public_key(device).hex()}
    http.post("/v1/admin/devices", json=body, headers=OPERATOR).raise_for_status()
    # Voters go straight into the registry table (setup, not measured); the registrar counts the register and posts
    # its signed counts before voting opens.
    registry = SqlVoterRegistry(create_engine(db_url), IdentitySettings().template_key_bytes)
    numbers = []
    for i in range(voters):
        style = manifest.ballot_styles[i % len(manifest.ballot_styles)]
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=i * 7)
        number = f"{1 + i % 2}{birth:%d%m%Y}{i:05d}"
        registry.add(
            VoterRecord(
                personal_number=number, surname="Bench", given_name=f"Voter {i}", patronymic="", birth_date=birth,
                region=style.region_id, district=style.district_ids[-1], precinct="p",
                face_template=FaceTemplate.from_array(np.random.default_rng(i).normal(0.0, 0.13, 128)),
            )
        )  # fmt: skip
        numbers.append(number)
    http.post("/v1/admin/register-counts", headers=OPERATOR).raise_for_status()
    opened = http.post("/v1/admin/channels/open", json={"channels": ["app", "kiosk"]}, headers=OPERATOR)
    if opened.status_code != 200:
        raise RuntimeError(f"opening the channels failed: {opened.text}")
    client = VoterClient(http)
    credentials = []
    for number in numbers:
        session = client.start_identification(number)
        assertion = {
            "election_id": manifest.election_id,
            "session_id": session.session_id,
            "personal_number": number,
            "method": "document",
            "device_id": DEVICE_ID,
        }
        identified = client.submit_attestation(session.session_id, DeviceAttestation.sign(DEVICE_ID, device, assertion))
        credentials.append(client.obtain_credential(session.session_id, identified.style_id))
    log(f"{preset}: {voters} voters identified, credentials issued")
    return client, credentials, manifest


# --- ballots, prepared before the clock starts -------------------------------------------------------------------


def _marks(manifest: Any, style_id: str, i: int) -> dict[str, list[str]]:
    style = manifest.ballot_style(style_id)
    return {
        c: [manifest.contest(c).selections[(i * 7 + k) % len(manifest.contest(c).selections)].selection_id]
        for k, c in enumerate(style.contest_ids)
    }


#: The election view and credentials, inherited by the forked encryption processes (petlib and Ed25519 objects
#: cannot be pickled).
_SHARED: dict[str, Any] = {}


def _prepare(i: int) -> bytes:
    view, credentials = _SHARED["view"], _SHARED["credentials"]
    credential = credentials[i % len(credentials)]
    client = VoterClient.__new__(VoterClient)
    client._view = view
    prepared = client.prepare_ballot(credential, _marks(view.manifest, credential.public.ballot_style_id, i))
    return json.dumps({"ballot": prepared.ballot.to_json()}).encode()


def prepare_ballots(client: VoterClient, credentials: list[Any], count: int) -> list[bytes]:
    """Encrypt ``count`` distinct ballots (re-votes of the credentials, which these presets allow) in 2 processes."""
    _SHARED["view"], _SHARED["credentials"] = client.election(), credentials
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        return list(pool.map(_prepare, range(count), chunksize=max(1, count // 16)))


# --- load --------------------------------------------------------------------------------------------------------


async def _load(url: str, bodies: list[bytes], clients: int, time_limit: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    deadline = time.perf_counter() + time_limit
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                try:
                    response = await http.post(
                        "/v1/ballots", content=body, headers={"content-type": "application/json"}
                    )
                except httpx.HTTPError as e:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                    continue
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - t0)
                else:
                    code = response.json().get("code", str(response.status_code))
                    errors[code] = errors.get(code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {**_summary(latencies, errors, elapsed), "clients": clients}


def _summary(latencies: list[float], errors: dict[str, int], elapsed: float) -> dict[str, Any]:
    ms = sorted(x * 1000 for x in latencies)
    return {
        "ballots_accepted": len(ms),
        "errors": errors,
        "duration_s": round(elapsed, 2),
        "ballots_per_s": round(len(ms) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(ms), 1) if ms else None,
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1) if ms else None,
        "max_ms": round(ms[-1], 1) if ms else None,
    }


async def _open_loop(url: str, bodies: list[bytes], rate: float, time_limit: float) -> dict[str, Any]:
    """Ballots arrive at ``rate`` per second, whatever the server's answers (voters do not wait for each other);
    latency is measured per ballot. Sustaining the rate with a low p99 is the target."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:

        async def one(body: bytes) -> None:
            t0 = time.perf_counter()
            try:
                response = await http.post("/v1/ballots", content=body, headers={"content-type": "application/json"})
            except httpx.HTTPError as e:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                return
            if response.status_code == 200:
                latencies.append(time.perf_counter() - t0)
            else:
                code = response.json().get("code", str(response.status_code))
                errors[code] = errors.get(code, 0) + 1

        started = time.perf_counter()
        tasks = []
        for i, body in enumerate(bodies):
            due = started + i / rate
            if due - started > time_limit:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return {**_summary(latencies, errors, elapsed), "offered_rate_per_s": rate}


# --- baseline: verification in-process, batched vs one by one ------------------------------------------------------


def verify_baseline(view: ElectionView, bodies: list[bytes], samples: int) -> dict[str, Any]:
    ballots = [EncryptedBallot.from_json(json.loads(b)["ballot"]) for b in bodies[:samples]]
    kwargs = {"manifest": view.manifest, "issuer_keys": view.issuer_keys, "joint_public_key": view.joint_public_key}
    t0 = time.perf_counter()
    for ballot in ballots:
        check_ballot(ballot, base_hash=view.base_hash, **kwargs)
    batched = (time.perf_counter() - t0) / len(ballots)
    t0 = time.perf_counter()
    for ballot in ballots:
        check_ballot_envelope(ballot, manifest=view.manifest, issuer_keys=view.issuer_keys)
        for contest_id, encrypted in ballot.decode_contests():
            contest = view.manifest.contest(contest_id)
            context = ballot_context(
                view.base_hash, ballot.election_id, ballot.style_id, contest_id, ballot.credential.public_key
            )
            for ct, proof in zip(encrypted.ciphertexts, encrypted.selection_proofs, strict=True):
                relations = disjunctive_relations(KIND_ZERO_OR_ONE, context, view.joint_public_key, ct, 0, 1, proof)
                check_relations(relations, "0/1 proof")
            verify_contest(context, view.joint_public_key, encrypted, contest.min_marks, contest.max_marks)
    one_by_one = (time.perf_counter() - t0) / len(ballots)
    return {
        "ballots": len(ballots),
        "batched_ms_per_ballot": round(batched * 1000, 2),
        "one_by_one_ms_per_ballot": round(one_by_one * 1000, 2),
        "speedup": round(one_by_one / batched, 2) if batched else None,
        "note": "one by one: each 0/1 proof checked alone, then the contest's limit proof; batched: the server's check",
    }


# --- main --------------------------------------------------------------------------------------------------------


def run_preset(args: argparse.Namespace, preset: str, ballots: int, voters: int, time_limit: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"shailoo-bench-{preset}-") as tmp:
        workdir = Path(tmp)
        db_url = args.database_url or f"sqlite:///{workdir / 'board.sqlite3'}"
        if args.database_url:
            db_url = _fresh_postgres(args.database_url)
        server = Server(workdir, db_url, args.workers)
        try:
            client, credentials, _ = setup_election(server, db_url, preset, voters, args.issuer_bits)
            t0 = time.perf_counter()
            bodies = prepare_ballots(client, credentials, ballots)
            log(f"{preset}: {len(bodies)} ballots encrypted in {time.perf_counter() - t0:.1f} s "
                f"({len(bodies[0]) / 1e3:.0f} kB each)")  # fmt: skip
            baseline = verify_baseline(client.election(), bodies, samples=min(len(bodies), args.baseline_samples))
            log(f"{preset}: baseline {baseline}")
            half = len(bodies) // 2
            saturation = asyncio.run(_load(server.url, bodies[:half], args.clients, time_limit))
            log(f"{preset}: saturation {saturation}")
            rate = TARGETS[preset]["ballots_per_s"]
            sustained = asyncio.run(_open_loop(server.url, bodies[half:], rate, time_limit))
            log(f"{preset}: sustained {sustained}")
        finally:
            server.stop()
            if args.database_url:
                _drop_postgres(args.database_url, db_url)
    target = TARGETS[preset]
    rate_met = sustained["ballots_per_s"] >= 0.97 * target["ballots_per_s"] and not sustained["errors"]
    p99_met = "p99_ms" not in target or (sustained["p99_ms"] is not None and sustained["p99_ms"] <= target["p99_ms"])
    return {
        "saturation_closed_loop": saturation,
        "sustained_at_target_rate": sustained,
        "verify_in_process": baseline,
        "target": target,
        "target_met": rate_met and p99_met,
        "ballot_bytes": len(bodies[0]),
    }


def _fresh_postgres(admin_url: str) -> str:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"shailoo_bench_{os.urandom(4).hex()}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    # The server makes no table on PostgreSQL: migrate as `shailoo db upgrade` would.
    from voting_server import schema

    fresh = sa.create_engine(url)
    schema.upgrade(fresh, schema.BRANCHES)
    fresh.dispose()
    return url


def _drop_postgres(admin_url: str, url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, a smoke run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL (a fresh database is made)")
    parser.add_argument("--issuer-bits", type=int, default=2048, help="issuer key size for the setup")
    parser.add_argument("--presets", default="president,parliament-2021")
    parser.add_argument("--baseline-samples", type=int, default=20)
    args = parser.parse_args()
    plan = {
        # (ballots prepared — half for the saturation run, half for the fixed-rate run —, voters, time limit)
        "president": (600, 30, 30.0) if args.quick else (4000, 100, 60.0),
        "parliament-2021": (24, 6, 30.0) if args.quick else (200, 40, 60.0),
    }
    report: dict[str, Any] = {
        "benchmark": "cast",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_at_start": os.getloadavg()},
        "note": "the load generator runs on the same 2 cores as the server; other processes' load is in load_avg",
        "server": {
            "workers": args.workers,
            "database": "postgresql" if args.database_url else "sqlite",
            "listen": "127.0.0.1",
        },
        "results": {},
    }
    for preset in args.presets.split(","):
        ballots, voters, limit = plan[preset]
        report["results"][preset] = run_preset(args, preset, ballots, voters, limit)
    report["machine"]["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""A real voting server on loopback that the fault tests can kill with SIGKILL and restart, and the election
it serves (set up in-process on the same database before the first start).

`prepare_election` runs the election's setup through the in-process harness against a database URL, with a fixed
board key and the registrar's keys kept in a folder, issues credentials and prepares ballots; `ServerProcess`
then serves that database from forked uvicorn processes (`tests.faults.zygote`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.server.harness import Election

BOARD_SEED = "6b" * 32
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, keys_dir: Path, redis_url: str | None = None) -> dict[str, str]:
    """The ``SHAILOO_*`` environment of the server under test."""
    env = {
        "SHAILOO_DATABASE_URL": database_url,
        "SHAILOO_BOARD_SIGNING_KEY": BOARD_SEED,
        "SHAILOO_ISSUER_KEYS_DIR": str(keys_dir),
        "SHAILOO_MIN_ISSUER_KEY_BITS": "2048",
        "SHAILOO_LOG_LEVEL": "ERROR",
        "SHAILOO_MAX_MERGE_DELAY": "0.5",
    }
    if redis_url:
        env["SHAILOO_REDIS_URL"] = redis_url
    return env


@dataclass
class PreparedElection:
    """An election open for voting on ``database_url``; ``ballots`` are ready to POST, one per credential."""

    database_url: str
    keys_dir: Path
    ballots: list[dict[str, Any]]
    manifest_election_id: str
    board_public_key: bytes
    extra: dict[str, Any] = field(default_factory=dict)


def prepare_election(
    tmp: Path,
    database_url: str,
    voters: int,
    *,
    preset: str = "referendum",
    monkeypatch: Any,
    ballots_per_voter: int = 1,
) -> PreparedElection:
    """Set the election up in-process, issue ``voters`` credentials and prepare ``ballots_per_voter`` distinct
    ballots each (in voter order), then close it."""
    keys_dir = tmp / "issuer-keys"
    for name, value in server_env(database_url, keys_dir).items():
        monkeypatch.setenv(name, value)
    election = Election(tmp, preset=preset, database_url=database_url, registered=voters).setup_to_voting()
    try:
        ballots = []
        for i in range(voters):
            client, credential = election.credential()
            for j in range(ballots_per_voter):
                marks = election.marks_for(credential, (i + j) % 2)
                ballots.append(client.prepare_ballot(credential, marks).ballot.to_json())
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        board_key = election.components.board.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return PreparedElection(database_url, keys_dir, ballots, election.manifest.election_id, board_key)
    finally:
        election.close()


class ServerProcess:
    """Forked uvicorn servers on one loopback port, killed with SIGKILL and restarted on demand."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.pid: int | None = None
        self._zygote = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.zygote"],
            cwd=REPO,
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def start(self, timeout: float = 60.0) -> int:
        """Fork a server and wait until it answers ``/ready``; returns its pid."""
        assert self._zygote.stdin is not None and self._zygote.stdout is not None
        self._zygote.stdin.write(f"start {self.port}\n")
        self._zygote.stdin.flush()
        self.pid = int(self._zygote.stdout.readline())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return self.pid
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server on port {self.port} did not become ready in {timeout} s")

    def kill(self) -> None:
        """SIGKILL the serving process: no shutdown handler, no flush, no goodbye."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._wait_port_free()
            self.pid = None

    def _wait_port_free(self) -> None:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.02)

    def close(self) -> None:
        self.kill()
        if self._zygote.poll() is None:
            assert self._zygote.stdin is not None
            try:
                self._zygote.stdin.write("quit\n")
                self._zygote.stdin.close()
                self._zygote.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self._zygote.kill()
                self._zygote.wait()

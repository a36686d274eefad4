"""Redis is never the only copy of anything: flushed under load, or down, it can cost a voter a retry but never
give anyone a second credential or a second counted ballot.

The shared Redis of the machine is never killed: the tests FLUSHDB their own database (15) in a loop while voters
identify and cast, and point a server at a dead port (127.0.0.1:1) to play "Redis down".
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa

from bulletin_board.entries import EntryKind
from identity.credentials import Credential
from mobile_api.client import VoterClient
from mobile_api.errors import ClientError
from mobile_api.schemas import DeviceAttestation
from tests.server.harness import DEVICE_ID, Election

VOTERS = 12
ATTEMPTS = 60


class Flusher:
    """FLUSHDB of the test database every 40–160 ms (a random gap from `secrets`), until stopped: often enough to
    cut sessions in every step, rarely enough that a persistent voter gets through even on a loaded CI machine
    (at 10–50 ms a whole identification sometimes never fitted between two flushes)."""

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url)
        self._stop = threading.Event()
        self.flushes = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait((40 + secrets.randbelow(120)) / 1000):
            self._client.flushdb()
            self.flushes += 1

    def __enter__(self) -> Flusher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._client.close()


def _try_credential(election: Election, number: str, channel: str) -> Credential | str:
    """One identification from scratch on ``channel``: the credential, or the refusal code."""
    client = VoterClient(election.http)
    try:
        session = client.start_identification(number, channel)
        assertion = {
            "election_id": election.manifest.election_id,
            "session_id": session.session_id,
            "personal_number": number,
            "method": "document",
            "device_id": DEVICE_ID,
        }
        identified = client.submit_attestation(
            session.session_id, DeviceAttestation.sign(DEVICE_ID, election.device_key, assertion)
        )
        return client.obtain_credential(session.session_id, identified.style_id)
    except ClientError as e:
        return e.code


def _persistent_voter(election: Election, number: str, channel: str) -> list[Credential | str]:
    """A voter who starts over whenever the session vanished, until a definite answer."""
    outcomes: list[Credential | str] = []
    for _ in range(ATTEMPTS):
        outcome = _try_credential(election, number, channel)
        outcomes.append(outcome)
        if outcome != "session_invalid":
            break
    return outcomes


def _rows(election: Election, table: str) -> list[Any]:
    with election.components.storage.engine.connect() as conn:
        return list(conn.execute(sa.text(f"SELECT * FROM {table}")))


@pytest.mark.redis
def test_redis_flushed_under_load_gives_no_double_credential_and_no_double_count(
    tmp_path: Path, redis_url: str
) -> None:
    election = Election(tmp_path, preset="referendum", redis_url=redis_url).setup_to_voting()
    try:
        numbers = [election.register_voter()[0] for _ in range(VOTERS)]
        jobs = [(n, channel) for n in numbers for channel in ("app", "kiosk")]
        with Flusher(redis_url) as flusher, ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda job: _persistent_voter(election, *job), jobs))
        assert flusher.flushes > 10
        credentials: dict[str, list[Credential]] = {n: [] for n in numbers}
        for (number, _), outcomes in zip(jobs, results, strict=True):
            credentials[number] += [o for o in outcomes if isinstance(o, Credential)]
            assert all(isinstance(o, Credential) or o in {"session_invalid", "already_identified"} for o in outcomes)
        assert all(len(c) <= 1 for c in credentials.values()), "a voter got two credentials"
        issued = [c[0] for c in credentials.values() if c]
        assert issued, "no voter got through: the flushing is too aggressive for the test to mean anything"
        assert len(_rows(election, "identity_issuance")) == len(issued)
        # Every holder casts twice (a retry and a second, different ballot) while Redis keeps being flushed.
        ballots = []
        for credential in issued:
            client = VoterClient(election.http)
            first = client.prepare_ballot(credential, election.marks_for(credential, 0)).ballot.to_json()
            second = client.prepare_ballot(credential, election.marks_for(credential, 1)).ballot.to_json()
            ballots += [first, first, second]
        with Flusher(redis_url), ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(lambda b: election.http.post("/v1/ballots", json={"ballot": b}), ballots))
        codes = Counter(r.json().get("code", "ok") if r.status_code != 200 else "ok" for r in responses)
        assert set(codes) <= {"ok", "credential_spent"} and codes["ok"] >= len(issued)
        board = election.components.board
        cast = [e for e in board.entries(0, board.size) if e.kind is EntryKind.BALLOT]
        keys = Counter(e.payload["credential"]["public_key"] for e in cast)
        assert len(cast) == len(issued) and set(keys.values()) == {1}, "a credential was counted twice"
    finally:
        election.close()


def test_with_redis_down_ballots_are_still_accepted_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials issued while Redis was fine; then Redis goes down (a dead port): casting, retries and the
    one-ballot-per-credential rule do not depend on it."""
    monkeypatch.setenv("SHAILOO_BOARD_SIGNING_KEY", "7c" * 32)
    url = f"sqlite:///{tmp_path / 'board.sqlite3'}"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    healthy = Election(tmp_path / "a", preset="referendum", database_url=url).setup_to_voting()
    try:
        held = [healthy.credential() for _ in range(4)]
        ballots = [c.prepare_ballot(k, healthy.marks_for(k, 0)).ballot.to_json() for c, k in held]
        extra = [c.prepare_ballot(k, healthy.marks_for(k, 1)).ballot.to_json() for c, k in held]
    finally:
        healthy.close()
    degraded = Election(tmp_path / "b", preset="referendum", database_url=url, redis_url="redis://127.0.0.1:1/15")
    try:
        ready = degraded.http.get("/ready").json()
        assert ready["checks"]["database"] == "ok" and ready["checks"]["redis"].startswith("degraded")
        statuses = [degraded.http.post("/v1/ballots", json={"ballot": b}).status_code for b in ballots + ballots]
        assert statuses == [200] * 8
        refused = [degraded.http.post("/v1/ballots", json={"ballot": b}).json()["code"] for b in extra]
        assert refused == ["credential_spent"] * 4
        board = degraded.components.board
        assert sum(1 for e in board.entries(0, board.size) if e.kind is EntryKind.BALLOT) == 4
    finally:
        degraded.close()


def test_with_redis_down_identification_answers_unavailable_not_internal(tmp_path: Path) -> None:
    election = Election(tmp_path, preset="referendum", redis_url="redis://127.0.0.1:1/15").setup_to_voting()
    try:
        number, _ = election.register_voter()
        response = election.http.post("/v1/identification/sessions", json={"national_id": number})
        assert response.status_code == 503 and response.json()["code"] == "unavailable"
        assert "retry-after" in {k.lower() for k in response.headers}
    finally:
        election.close()

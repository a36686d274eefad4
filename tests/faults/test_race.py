"""The same credential raced from many connections against a real uvicorn server on 127.0.0.1 (the in-process
version is tests/server/test_concurrency.py): with re-voting off exactly one of 40 distinct ballots is accepted
and the rest are ``credential_spent``; the very same ballot sent on 20 connections at once is stored once.
(That every one of those 20 gets the receipt is pinned deterministically, as a known gap, in
tests/security/test_ballot_attacks.py::test_identical_retry_racing_its_original_gets_the_original_receipt.)
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.faults.casting import board_entries
from tests.faults.server import ServerProcess, prepare_election, server_env

PARALLEL = 40


def _fire(url: str, ballots: list[dict[str, Any]]) -> list[httpx.Response]:
    """One connection per ballot, all released at the same instant."""
    barrier = threading.Barrier(len(ballots))
    responses: list[httpx.Response | None] = [None] * len(ballots)

    def send(i: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            http.get("/health")  # the connection is open before the barrier
            barrier.wait()
            responses[i] = http.post("/v1/ballots", json={"ballot": ballots[i]})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(ballots))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, list[dict[str, Any]]]]:
    """Two voters with PARALLEL distinct ballots each, served by uvicorn on loopback."""
    tmp = tmp_path_factory.mktemp("race")
    with pytest.MonkeyPatch.context() as monkeypatch:
        election = prepare_election(
            tmp, f"sqlite:///{tmp / 'board.sqlite3'}", 2, monkeypatch=monkeypatch, ballots_per_voter=PARALLEL
        )
    server = ServerProcess(server_env(election.database_url, election.keys_dir))
    server.start()
    yield server, election.ballots
    server.close()


def _ballots_of(server: ServerProcess, credential: str) -> int:
    with httpx.Client(base_url=server.url) as http:
        entries = board_entries(http)
    return sum(1 for e in entries if e.kind.value == "ballot" and e.payload["credential"]["public_key"] == credential)


def test_one_credential_raced_with_distinct_ballots_from_many_connections_counts_once(
    served: tuple[ServerProcess, list[dict[str, Any]]],
) -> None:
    server, ballots = served
    distinct = _fire(server.url, ballots[:PARALLEL])
    codes = Counter("accepted" if r.status_code == 200 else r.json()["code"] for r in distinct)
    assert codes == {"accepted": 1, "credential_spent": PARALLEL - 1}
    assert _ballots_of(server, ballots[0]["credential"]["public_key"]) == 1


def test_same_ballot_raced_from_many_connections_is_stored_once(
    served: tuple[ServerProcess, list[dict[str, Any]]],
) -> None:
    server, ballots = served
    same = _fire(server.url, [ballots[PARALLEL]] * 20)
    assert sum(r.status_code == 200 for r in same) >= 1
    assert {r.json().get("code") for r in same if r.status_code != 200} <= {"credential_spent"}
    assert _ballots_of(server, ballots[PARALLEL]["credential"]["public_key"]) == 1

"""Overload: more casts at once than the server should hold. Every request must end as a receipt that is on the
board or an explicit refusal (429/503 with ``Retry-After``) — never a silent loss, never a 500.

The long, measured version is bench/load.py (phase "overload"); this is the CI-sized check, in-process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.server.harness import Election

BURST = 60


def _burst(election: Election) -> tuple[list[Any], list[dict[str, Any]]]:
    """BURST distinct ballots of one credential (re-voting is allowed), all sent at once."""
    client, credential = election.credential()
    ballots = [
        client.prepare_ballot(credential, election.marks_for(credential, i % 5)).ballot.to_json() for i in range(BURST)
    ]
    with ThreadPoolExecutor(max_workers=BURST) as pool:
        responses = list(pool.map(lambda b: election.http.post("/v1/ballots", json={"ballot": b}), ballots))
    return responses, ballots


def _check_no_silent_loss(election: Election, responses: list[Any]) -> Counter[int]:
    board = election.components.board
    statuses: Counter[int] = Counter()
    for response in responses:
        statuses[response.status_code] += 1
        if response.status_code == 200:
            receipt = response.json()
            assert board.entry(receipt["entry_index"]).entry_hash.hex() == receipt["entry_hash"]
        else:
            assert response.status_code in {429, 503}, response.json()
            assert "retry-after" in response.headers and response.json()["code"] in {"rate_limited", "unavailable"}
    return statuses


@pytest.fixture
def overloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Election]:
    """A server told to hold at most 4 requests in flight (``SHAILOO_MAX_IN_FLIGHT``)."""
    monkeypatch.setenv("SHAILOO_MAX_IN_FLIGHT", "4")
    election = Election(tmp_path).setup_to_voting()
    yield election
    election.close()


def test_a_burst_of_casts_ends_in_receipts_on_the_board_or_explicit_refusals(overloaded: Election) -> None:
    responses, _ = _burst(overloaded)
    statuses = _check_no_silent_loss(overloaded, responses)
    assert statuses[200] >= 1


def test_a_burst_beyond_the_in_flight_limit_is_refused_with_retry_after(overloaded: Election) -> None:
    responses, _ = _burst(overloaded)
    statuses = _check_no_silent_loss(overloaded, responses)
    assert statuses[503] + statuses[429] >= 1 and statuses[200] >= 1

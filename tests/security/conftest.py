"""Fixtures for the attack tests: one election per module, open for voting, driven through the real HTTP app.

Every attack asserts the stable error code AND that nothing was written: the board size and the rows of every
table a request could touch (board entries, identifications, issuances) are the same before and after.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from tests.server.harness import Election

#: The receipt index (``server_receipt``) is left out: it is written in the background and only mirrors the board.
_TABLES = ("board_entry", "identity_identification", "identity_issuance")


def written_state(election: Election) -> dict[str, int]:
    """Board size and row counts of every table an attack could write to."""
    engine = election.components.storage.engine
    counts = {"board_size": election.components.board.size}
    with engine.connect() as conn:
        for table in _TABLES:
            try:
                counts[table] = int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
            except sa.exc.OperationalError:
                counts[table] = 0  # not created yet in this database
    return counts


@dataclass
class Refusal:
    """The answer to an attack: its status and stable code."""

    status: int
    code: str
    body: Any


def attempt(election: Election, method: str, path: str, **kwargs: Any) -> Refusal:
    """Send an attack and assert that whatever the answer, nothing was written. Returns the refusal."""
    before = written_state(election)
    response = election.http.request(method, path, **kwargs)
    after = written_state(election)
    assert after == before, f"the attack on {path} wrote something: {before} -> {after}"
    assert response.status_code >= 400, f"the attack on {path} was accepted: {response.text[:300]}"
    assert response.status_code < 500, f"the attack on {path} crashed the server: {response.text[:300]}"
    body = response.json()
    assert set(body) == {"code", "message"}, body
    return Refusal(response.status_code, body["code"], body)


def cast_attempt(election: Election, ballot: dict[str, Any]) -> Refusal:
    return attempt(election, "POST", "/v1/ballots", json={"ballot": ballot})


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    """A presidential election (re-voting and challenges allowed) open for voting; shared by a module."""
    running = Election(tmp_path_factory.mktemp("security")).setup_to_voting()
    yield running
    running.close()


@pytest.fixture(scope="module")
def no_revote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    """A referendum (re-voting NOT allowed) open for voting; shared by a module."""
    running = Election(tmp_path_factory.mktemp("security-referendum"), preset="referendum").setup_to_voting()
    yield running
    running.close()

"""100 parallel casts with one credential: the database decides, not the server's memory or Redis."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bulletin_board.entries import EntryKind
from elections.results_model import ElectionResults
from tests.server.harness import Election

PARALLEL = 100


def cast_in_parallel(election: Election, ballots: list[dict[str, Any]]) -> list[Any]:
    def cast(ballot: dict[str, Any]) -> Any:
        return election.http.post("/v1/ballots", json={"ballot": ballot})

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(cast, ballots))


def distinct_ballots(election: Election) -> list[dict[str, Any]]:
    client, credential = election.credential()
    return [
        client.prepare_ballot(credential, election.marks_for(credential, i % 3)).ballot.to_json()
        for i in range(PARALLEL)
    ]


def ballots_on_board(election: Election) -> int:
    board = election.components.board
    return sum(1 for e in board.entries(0, board.size) if e.kind is EntryKind.BALLOT)


def check_one_credential_without_revoting(election: Election) -> None:
    responses = cast_in_parallel(election, distinct_ballots(election))
    codes = Counter(r.json().get("code", "accepted") if r.status_code >= 400 else "accepted" for r in responses)
    assert codes == {"accepted": 1, "credential_spent": PARALLEL - 1}
    assert ballots_on_board(election) == 1


def test_100_parallel_casts_one_credential_no_revoting_exactly_one_accepted(tmp_path: Path) -> None:
    election = Election(tmp_path, preset="referendum").setup_to_voting()
    try:
        check_one_credential_without_revoting(election)
    finally:
        election.close()


@pytest.mark.postgres
def test_100_parallel_casts_one_credential_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    from tests.server.postgres import fresh_postgres_url

    with fresh_postgres_url(postgres_url) as url:
        election = Election(tmp_path, preset="referendum", database_url=url).setup_to_voting()
        try:
            check_one_credential_without_revoting(election)
        finally:
            election.close()


@pytest.fixture
def revoting(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path).setup_to_voting()
    yield election
    election.close()


def test_100_parallel_casts_with_revoting_all_on_board_one_counted(revoting: Election) -> None:
    election = revoting
    ballots = distinct_ballots(election)
    responses = cast_in_parallel(election, ballots)
    assert all(r.status_code == 200 for r in responses), [r.json() for r in responses if r.status_code != 200][:3]
    assert ballots_on_board(election) == PARALLEL
    election.close_and_tally()
    tally = election.components.board.find_by_dedup_key("encrypted_tally")
    assert tally is not None
    assert tally.payload["ballots_counted"] == 1
    assert len(tally.payload["superseded"]) == PARALLEL - 1
    for trustee in (2, 4, 5):
        election.post_shares(trustee)
    result = election.components.board.find_by_dedup_key("result")
    assert result is not None
    results = ElectionResults.model_validate(result.payload["results"])
    assert sum(s.votes for s in results.contests[0].selections) == 1
    # The one counted is the last ballot on the board.
    last = max(
        (e for e in election.components.board.entries(0, election.components.board.size) if e.kind is EntryKind.BALLOT),
        key=lambda e: e.index,
    )
    contest_id = results.contests[0].contest_id
    winner = next(s.selection_id for s in results.contests[0].selections if s.votes == 1)
    index = ballots.index(dict(last.payload))
    assert election.marks_for_index(index % 3)[contest_id] == [winner]

"""An election end to end, written as its steps, through the real server and the voter SDK.

Runs on SQLite, and on PostgreSQL + Redis when those servers are reachable (skipped locally otherwise, failing in CI).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bulletin_board.entries import EntryKind
from bulletin_board.export import verify_export, write_export
from elections.results_model import ElectionResults
from tests.server.harness import Election


def run_election(election: Election) -> None:
    # 1. The commission loads the manifest; 2. five trustees run the key ceremony (3 of 5).
    election.load_manifest()
    election.key_ceremony()
    # 3. The registrar publishes one issuer key per ballot style; 4. voting opens.
    election.publish_issuer_keys()
    election.open_voting()

    # 5. Voters: identify, get a credential, encrypt on the device, cast; one challenges first; one re-votes.
    expected: Counter[str] = Counter()
    receipts = []
    for i in range(4):
        client, credential = election.credential()
        marks = election.marks_for(credential, index=i % 3)
        if i == 0:
            spoiled = client.prepare_ballot(credential, marks)
            _, opened = client.challenge(spoiled)
            assert {c: list(v) for c, v in opened.items()} == marks
        receipt = client.cast(client.prepare_ballot(credential, marks))
        if i == 1:  # this voter changes their mind: only the last ballot counts
            marks = election.marks_for(credential, index=5)
            receipt = client.cast(client.prepare_ballot(credential, marks))
        receipts.append((client, receipt.tracking_code))
        expected.update(s for selections in marks.values() for s in selections)

    # Each voter finds their ballot on the board with an inclusion proof under a signed tree head.
    election.components.board.integrate()
    for client, code in receipts:
        status = client.check_receipt(code)
        assert status.kind == "ballot"

    # 6. Close, weed and aggregate; 7. trustees 1, 3, 5 decrypt (2 and 4 absent).
    election.close_and_tally()
    assert election.post_shares(1).json()["results_published"] is False
    assert election.post_shares(3).json()["results_published"] is False
    assert election.post_shares(5).json()["results_published"] is True

    # 8. The published counts are exactly the voters' last choices.
    result = election.components.board.find_by_dedup_key("result")
    assert result is not None and result.kind is EntryKind.RESULT
    results = ElectionResults.model_validate(result.payload["results"])
    counted = Counter({s.selection_id: s.votes for r in results.contests for s in r.selections if s.votes})
    assert counted == expected
    assert result.payload["trustees"] == [1, 3, 5]

    # 9. The board export verifies offline.
    path = election.tmp / "board.jsonl"
    election.components.board.integrate()
    with path.open("wb") as f:
        write_export(election.components.board, f)
    with path.open("rb") as f:
        summary = verify_export(f)
    assert summary.size == election.components.board.size


def test_election_end_to_end_on_sqlite(tmp_path: Path) -> None:
    election = Election(tmp_path)
    try:
        run_election(election)
    finally:
        election.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_election_end_to_end_on_postgres_and_redis(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    from tests.server.postgres import fresh_postgres_url

    with fresh_postgres_url(postgres_url) as url:
        election = Election(tmp_path, database_url=url, redis_url=redis_url)
        try:
            run_election(election)
        finally:
            election.close()

"""The tracking-code index beside the board is a convenience: when one of its rows is lost (a failed background
write, a crash before the write), a voter's look-up must still find her ballot — the board is the record.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.harness import Election


@pytest.fixture
def voting(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path).setup_to_voting()
    yield election
    election.close()


def _cast_with_a_lost_index_row(election: Election, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Cast one ballot while the index's database write fails once (as under a SQLite lock or a crash)."""
    index = election.components.election.receipts

    def failing_insert(values: list[dict[str, object]]) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(index, "_insert", failing_insert)
    client, credential = election.credential()
    receipt = client.cast(client.prepare_ballot(credential, election.marks_for(credential)))
    index.flush()
    monkeypatch.undo()
    return receipt.model_dump()


def test_a_ballot_whose_index_row_was_lost_is_still_on_the_board(
    voting: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipt = _cast_with_a_lost_index_row(voting, monkeypatch)
    entry = voting.components.board.entry(receipt["entry_index"])
    assert entry.entry_hash.hex() == receipt["entry_hash"]


def test_tracking_code_lookup_finds_a_ballot_whose_index_row_was_lost(
    voting: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipt = _cast_with_a_lost_index_row(voting, monkeypatch)
    response = voting.http.get(f"/v1/receipts/{receipt['tracking_code']}")
    assert response.status_code == 200 and response.json()["entry_index"] == receipt["entry_index"]


def test_tracking_code_lookup_after_a_crash_finds_a_ballot_whose_row_was_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHAILOO_BOARD_SIGNING_KEY", "3d" * 32)
    url = f"sqlite:///{tmp_path / 'board.sqlite3'}"
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    before = Election(tmp_path / "before", database_url=url).setup_to_voting()
    try:
        # The process dies before its background writer runs: the row exists only in its memory, then nowhere.
        monkeypatch.setattr(before.components.election.receipts, "record", lambda *args: None)
        client, credential = before.credential()
        receipt = client.cast(client.prepare_ballot(credential, before.marks_for(credential)))
    finally:
        before.close()
    after = Election(tmp_path / "after", database_url=url)  # the restarted server, same database
    try:
        assert after.components.board.entry(receipt.entry_index).entry_hash.hex() == receipt.entry_hash
        response = after.http.get(f"/v1/receipts/{receipt.tracking_code}")
        assert response.status_code == 200 and response.json()["entry_index"] == receipt.entry_index
    finally:
        after.close()

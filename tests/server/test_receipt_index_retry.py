"""A receipt-index row whose write failed is kept and written once the database answers again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.server.harness import Election
from voting_server.receipts import RECEIPT, RETRY_SECONDS


def test_an_index_row_whose_write_failed_is_retried_until_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    election = Election(tmp_path).setup_to_voting()
    try:
        index = election.components.election.receipts

        def locked(values: list[dict[str, object]]) -> None:
            raise RuntimeError("database is locked")

        monkeypatch.setattr(index, "_insert", locked)
        client, credential = election.credential()
        receipt = client.cast(client.prepare_ballot(credential, election.marks_for(credential)))
        index.flush()
        assert index.find(receipt.tracking_code) is not None  # kept in memory meanwhile
        monkeypatch.undo()
        query = sa.select(RECEIPT.c.entry_index).where(RECEIPT.c.tracking_code == receipt.tracking_code)
        deadline = time.monotonic() + 30 * RETRY_SECONDS  # generous: the writer retries every RETRY_SECONDS
        written = None
        while written is None and time.monotonic() < deadline:
            with index.engine.connect() as conn:
                written = conn.execute(query).scalar()
            time.sleep(RETRY_SECONDS / 4)
        assert written == receipt.entry_index
    finally:
        election.close()

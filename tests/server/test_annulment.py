"""``POST /v1/admin/annul``: the commission's signed precinct annulment, only after the close and before the tally,
once per precinct; a refused request changes nothing on the board."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bulletin_board.entries import EntryKind
from record.annulment import PrecinctAnnulment
from tests.security.conftest import attempt
from tests.server.harness import OPERATOR, Election


@pytest.fixture
def election(tmp_path: Path) -> Iterator[Election]:
    running = Election(tmp_path, preset="president", registered=20).setup_to_voting()
    yield running
    running.close()


def _annul(election: Election, precinct_id: str) -> object:
    body = {"precinct_id": precinct_id, "reason": "ballot stuffing on video", "legal_basis": "art. 43(3)"}
    return attempt(election, "POST", "/v1/admin/annul", headers=OPERATOR, json=body)


def test_a_precinct_is_annulled_between_the_close_and_the_tally(election: Election) -> None:
    board = election.components.board
    precinct = election.manifest.precincts[0].precinct_id
    size = board.size
    early = _annul(election, precinct)
    assert early.code == "wrong_phase"  # type: ignore[attr-defined]
    assert board.size == size
    election.close_voting()
    unknown = _annul(election, "no-such-precinct")
    assert unknown.code == "unknown_id"  # type: ignore[attr-defined]
    size = board.size
    response = election.admin(
        "POST",
        "/v1/admin/annul",
        json={"precinct_id": precinct, "reason": "ballot stuffing on video", "legal_basis": "art. 43(3)"},
    )
    entry = board.entry(response["index"])
    assert entry.kind is EntryKind.PRECINCT_ANNULMENT and board.size == size + 1
    annulment = PrecinctAnnulment.from_payload(entry.payload)
    annulment.check(election.manifest)  # signed by the key the manifest pins
    assert (annulment.precinct_id, annulment.legal_basis) == (precinct, "art. 43(3)")
    again = _annul(election, precinct)
    assert again.code == "duplicate_entry"  # type: ignore[attr-defined]
    election.admin("POST", "/v1/admin/tally", json={})
    late = _annul(election, election.manifest.precincts[1].precinct_id)
    assert late.code == "wrong_phase"  # type: ignore[attr-defined]
    assert board.find_by_dedup_key("encrypted_tally") is not None

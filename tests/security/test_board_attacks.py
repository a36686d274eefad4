"""A dishonest board operator, seen by a witness that reads only the public board API.

The operator restores the server from an old database backup (a *rollback*, dropping acknowledged ballots) and
then lets it grow again with other ballots (a *fork*: two histories under one board key). The witness refuses
the smaller tree, refuses the fork, and keeps both signed heads as evidence anyone can check. The pure
board-level versions are tests/board/test_witness.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.checkpoint import SignedTreeHead, verify_tree_head
from bulletin_board.errors import ConsistencyProofError, SplitViewError, StaleTreeHeadError
from bulletin_board.proofs import ConsistencyProof
from bulletin_board.witness import MemoryWitnessStore, Witness
from tests.server.harness import Election, issuer_keys_for

BOARD_SEED = "5e" * 32


def _head(election: Election) -> SignedTreeHead:
    election.components.board.integrate()
    return SignedTreeHead.from_text(election.http.get("/v1/board/tree-head").text)


def _consistency(election: Election, first: int, second: int) -> ConsistencyProof:
    response = election.http.get("/v1/board/proofs/consistency", params={"first": first, "second": second})
    return ConsistencyProof.from_json(response.json())


def _cast(election: Election, count: int) -> None:
    for i in range(count):
        client, credential = election.credential()
        client.cast(client.prepare_ballot(credential, election.marks_for(credential, i % 3)))


def _backup(source: Path, target: Path) -> None:
    """An operator's consistent copy of the live SQLite database (the online backup API)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


@pytest.fixture
def honest_then_rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Election, Path]]:
    """A board with a fixed key that cast 2 ballots, was backed up, then cast 3 more."""
    monkeypatch.setenv("SHAILOO_BOARD_SIGNING_KEY", BOARD_SEED)
    (tmp_path / "live").mkdir()
    live = Election(tmp_path / "live").setup_to_voting()
    _cast(live, 2)
    live.components.board.integrate()
    backup = tmp_path / "backup.sqlite3"
    _backup(tmp_path / "live" / "board.sqlite3", backup)
    _cast(live, 3)
    yield live, backup
    live.close()


def _restored(live: Election, backup: Path, tmp_path: Path) -> Election:
    """The operator's second server, started from the backup with the same board key and registrar keys."""
    (tmp_path / "restored").mkdir()
    restored = Election(tmp_path / "restored", database_url=f"sqlite:///{backup}")
    restored.device_key = live.device_key
    restored._next_voter = 1000  # new voters: the backup already holds the first ones
    restored.components.install_issuer_keys(issuer_keys_for(restored.manifest))
    return restored


def _witness(live: Election) -> Witness:
    return Witness(
        "observer.witness.kg",
        Ed25519PrivateKey.generate(),
        log_origin=live.components.settings.board_origin,
        log_key=live.components.board.public_key,
        store=MemoryWitnessStore(),
        clock=lambda: 0,
    )


def test_board_rolled_back_to_a_backup_is_refused_by_the_witness(
    honest_then_rolled_back: tuple[Election, Path], tmp_path: Path
) -> None:
    live, backup = honest_then_rolled_back
    witness = _witness(live)
    latest = _head(live)
    witness.cosign(latest, None)
    restored = _restored(live, backup, tmp_path)
    try:
        rolled_back = _head(restored)
        verify_tree_head(rolled_back, live.components.board.public_key)  # genuinely signed by the board key
        assert rolled_back.size < latest.size
        with pytest.raises(StaleTreeHeadError) as caught:
            witness.cosign(rolled_back, None)
        assert caught.value.code == "stale_tree_head"
        assert witness.last_cosigned() == latest
    finally:
        restored.close()


def test_board_forked_from_a_backup_is_caught_as_a_split_view_with_evidence(
    honest_then_rolled_back: tuple[Election, Path], tmp_path: Path
) -> None:
    live, backup = honest_then_rolled_back
    witness = _witness(live)
    latest = _head(live)
    witness.cosign(latest, None)
    restored = _restored(live, backup, tmp_path)
    try:
        while restored.components.board.size < latest.size:
            _cast(restored, 1)
        fork = _head(restored)
        assert fork.size == latest.size and fork.root_hash != latest.root_hash
        with pytest.raises(SplitViewError) as caught:
            witness.cosign(fork, None)
        assert caught.value.code == "split_view"
        (evidence,) = witness.store.evidence()
        for head in (evidence.first, evidence.second):
            verify_tree_head(head, live.components.board.public_key)  # both signed by the one board key
        assert evidence.first.size == evidence.second.size and evidence.first.root_hash != evidence.second.root_hash
        # Growing the fork further does not help: no consistency proof links it to the cosigned head.
        _cast(restored, 1)
        grown = _head(restored)
        with pytest.raises(ConsistencyProofError):
            witness.cosign(grown, _consistency(restored, latest.size, grown.size))
    finally:
        restored.close()

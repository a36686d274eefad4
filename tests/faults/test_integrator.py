"""The board's tree-head integrator survives a database error: once the database answers again, every stored
entry is in a signed tree head within the maximum merge delay.

Found by tests/faults/test_postgres_restart.py: after PostgreSQL restarted under load, no tree head was ever
signed again (the integrator thread died on the first OperationalError), so no receipt could get its inclusion
proof. This is the same fault, made deterministic on SQLite: the storage fails once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage

MERGE_DELAY = 0.2


def _head_size_within(board: BulletinBoard, seconds: float) -> int:
    """The size of the latest signed tree head after waiting up to ``seconds`` for it to cover the board."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and board.tree_head().size < board.size:
        time.sleep(MERGE_DELAY / 4)
    return board.tree_head().size


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_integrator_signs_again_after_a_database_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'board.sqlite3'}")
    board = BulletinBoard(
        storage, Ed25519PrivateKey.generate(), origin="shailoo.test/board", max_merge_delay=MERGE_DELAY
    )
    board.integrate()  # the head of the empty board exists, as on a running server
    real_state = storage.state
    failures = {"left": 1}

    def state_failing_once() -> object:
        if failures["left"]:
            failures["left"] -= 1
            raise sa.exc.OperationalError("SELECT", {}, Exception("the database system is shutting down"))
        return real_state()

    monkeypatch.setattr(storage, "state", state_failing_once)
    board.start()
    try:
        time.sleep(MERGE_DELAY * 2)  # the integrator has met the failure
        board.append(EntryKind.MANIFEST, {"manifest": {"election_id": "e"}, "manifest_hash": "00" * 32})
        # Generous: 25 merge delays. A live integrator needs one.
        assert _head_size_within(board, 25 * MERGE_DELAY) == board.size
    finally:
        board._stop.set()
        storage.close()

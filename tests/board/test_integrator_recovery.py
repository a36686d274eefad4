"""The tree-head integrator counts its failures (for readiness probes) and clears them once it signs again."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from bulletin_board.log import INTEGRATOR_MAX_BACKOFF, BulletinBoard
from bulletin_board.storage import open_storage


def test_integrator_failures_are_counted_backed_off_and_cleared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'board.sqlite3'}")
    board = BulletinBoard(storage, Ed25519PrivateKey.generate(), origin="shailoo.test/board", max_merge_delay=1.0)
    real_state = storage.state

    def state_failing() -> object:
        raise sa.exc.OperationalError("SELECT", {}, Exception("the database system is shutting down"))

    monkeypatch.setattr(storage, "state", state_failing)
    waits = [board._integrate_once() for _ in range(5)]
    assert board.integrator_failures == 5 and "OperationalError" in (board.integrator_error or "")
    assert waits == sorted(waits) and waits[-1] == INTEGRATOR_MAX_BACKOFF  # backs off, bounded
    monkeypatch.setattr(storage, "state", real_state)
    board.append(EntryKind.MANIFEST, {"manifest": {"election_id": "e"}, "manifest_hash": "00" * 32})
    assert board._integrate_once() == 0.5
    assert board.integrator_failures == 0 and board.integrator_error is None
    assert board.tree_head().size == board.size
    storage.close()

"""Readiness reports a tree-head integrator that keeps failing: the server then signs no tree head."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.harness import Election
from voting_server.health import INTEGRATOR_FAILURES_NOT_READY


def test_ready_is_503_while_the_integrator_keeps_failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    election = Election(tmp_path).setup_to_voting()
    try:
        board = election.components.board
        assert election.http.get("/ready").json()["checks"]["integrator"] == "ok"

        def database_restarting() -> None:
            raise ConnectionError("the database system is shutting down")

        monkeypatch.setattr(board, "integrate", database_restarting)  # the background runs fail too: no reset
        for _ in range(INTEGRATOR_FAILURES_NOT_READY):
            board._integrate_once()
        response = election.http.get("/ready")
        assert response.status_code == 503 and response.json()["checks"]["integrator"].startswith("failing")
    finally:
        election.close()

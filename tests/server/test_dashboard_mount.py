"""The voting server serves the observers' dashboard over its own live board."""

from __future__ import annotations

from tests.server.harness import Election


def test_server_serves_the_dashboard_of_its_live_board(voting: Election) -> None:
    voting.components.board.integrate()
    page = voting.http.get("/observe/", params={"lang": "en"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    size = voting.components.board.size
    assert size > 0
    entries = voting.http.get("/observe/board", params={"lang": "en"})
    assert entries.status_code == 200
    assert "manifest" in entries.text


def test_dashboard_is_not_part_of_the_api_schema(voting: Election) -> None:
    paths = voting.http.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/observe")]

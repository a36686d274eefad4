"""``/docs`` works offline: the API reference is written by the server, with nothing loaded from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.harness import Election


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path)
    yield election
    election.close()


def test_docs_page_lists_routes_and_error_codes_and_loads_nothing_from_elsewhere(fresh: Election) -> None:
    for path in ("/docs", "/redoc"):
        response = fresh.http.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        page = response.text
        # No script, stylesheet, image or font from any other host (FastAPI's default page loads Swagger UI from a
        # CDN and is blank offline), and no script at all: the page is complete as served.
        assert "<script" not in page
        assert not re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page)
        assert "/v1/ballots" in page and "/v1/admin/tally" in page
        assert "credential_spent" in page and "<code>wrong_phase</code>" in page


def test_the_openapi_document_is_still_served(fresh: Election) -> None:
    assert fresh.http.get("/openapi.json").json()["paths"]["/v1/ballots"]

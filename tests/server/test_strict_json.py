"""Request bodies are parsed as strict JSON on every API before any route sees them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.harness import OPERATOR, Election
from voting_server.http_errors import parse_strict_json


@pytest.fixture
def election(tmp_path: Path) -> Iterator[Election]:
    running = Election(tmp_path).setup_to_voting()
    yield running
    running.close()


@pytest.mark.parametrize(
    "text",
    [b'{"a": 1, "a": 2}', b'{"x": {"b": [], "b": {}}}', b"[NaN]", b"[Infinity]", b"\xff", b"[" * 100_000],
    ids=["duplicate", "nested-duplicate", "nan", "infinity", "not-utf8", "too-deep"],
)
def test_strict_json_refuses_what_two_parsers_could_read_differently(text: bytes) -> None:
    with pytest.raises(ValueError):
        parse_strict_json(text)


def test_strict_json_reads_ordinary_json() -> None:
    assert parse_strict_json('{"a": [1, 2.5, "ы", null, true], "b": {}}'.encode()) == {
        "a": [1, 2.5, "ы", None, True],
        "b": {},
    }


@pytest.mark.parametrize("path", ["/v1/admin/channels/open", "/v1/identification/sessions", "/v1/ballots"])
def test_duplicated_key_is_malformed_on_every_api(election: Election, path: str) -> None:
    before = election.components.board.size
    response = election.http.post(
        path,
        content=b'{"channels": ["app"], "channels": ["app"]}',
        headers={**OPERATOR, "content-type": "application/json"},
    )
    assert (response.status_code, response.json()["code"]) == (422, "malformed")
    assert election.components.board.size == before

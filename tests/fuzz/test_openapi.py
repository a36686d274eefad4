"""Schemathesis against the OpenAPI schema of every route of the voting server, in-process (ASGI), on an election
open for voting: no 5xx, every response conforms to the schema (status documented, content type, body).

Examples per operation: ``SHAILOO_FUZZ_API_EXAMPLES`` (default 20 in CI; bench/load.md gives the long run).
Admin routes are exercised without a token and with the auditor's read-only token, never the operator's: the
fuzzer must not close the election under the other operations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.server.harness import AUDITOR, Election

EXAMPLES = int(os.environ.get("SHAILOO_FUZZ_API_EXAMPLES", "20"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FACE = "POST /v1/identification/sessions/{session_id}/face"
TREE_HEAD = "GET /v1/board/tree-head"
#: Operations whose schema is known to be incomplete (pinned by the strict xfails below): the check named here
#: is left out for them, every other check still runs. ``None``: the operation is left out (it answers 501 by design
#: on a server without the phone face check, which the schema does not document).
KNOWN_GAPS: dict[str, Any] = {
    FACE: None,
    TREE_HEAD: status_code_conformance,
    "GET /v1/board/export": content_type_conformance,
}


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    running = Election(tmp_path_factory.mktemp("fuzz-api")).setup_to_voting()
    client, credential = running.credential()
    client.cast(client.prepare_ballot(credential, running.marks_for(credential)))  # a receipt and a board to read
    yield running
    running.close()


def _small_size(case: Any) -> Any:
    """Tree-head sizes beyond 2^63 crash the route (pinned by the xfail below); the fuzzer stays below them."""
    if isinstance(case.query, dict) and isinstance(case.query.get("size"), int):
        case.query["size"] %= 2**63
    return case


def _runner(operation: Any, examples: int, headers: dict[str, str] | None, checks: list[Any]) -> Any:
    """A Hypothesis test of one operation: generated requests, each answer validated by ``checks``."""

    strategy = operation.as_strategy()
    if operation.label == TREE_HEAD:
        strategy = strategy.map(_small_size)

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=strategy)
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    return run


def _fuzz_every_operation(election: Election, examples: int, headers: dict[str, str] | None) -> list[str]:
    """Run Hypothesis over every operation of the schema; return one line per failing operation."""
    api = schemathesis.openapi.from_asgi("/openapi.json", election.app)
    failures: list[str] = []
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 20, [op.label for op in operations]
    for operation in operations:
        gap = KNOWN_GAPS.get(operation.label, "none")
        if gap is None:
            continue
        checks = [c for c in CHECKS if c is not gap]

        run = _runner(operation, examples, headers, checks)
        try:
            run()
        except (Exception, BaseExceptionGroup) as e:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {type(e).__name__}: {str(e)[:600]}")
    return failures


def test_every_route_answers_within_its_schema_and_never_5xx(election: Election) -> None:
    failures = _fuzz_every_operation(election, EXAMPLES, None)
    assert failures == [], "\n\n".join(failures)


def test_every_route_with_the_auditor_token_answers_within_its_schema(election: Election) -> None:
    failures = _fuzz_every_operation(election, max(5, EXAMPLES // 4), AUDITOR)
    assert failures == [], "\n\n".join(failures)


# --- the known gaps, pinned deterministically --------------------------------------------------------------------


def _documented_statuses(election: Election, path: str, method: str) -> set[str]:
    return set(election.app.openapi()["paths"][path][method]["responses"])


@pytest.mark.xfail(
    strict=True,
    reason="the face route answers 501 not_supported on a server without the phone face check; the schema does not "
    "document 501 (and a 5xx reads as a server failure to clients); owner voting_server/mobile_api",
)
def test_face_route_without_face_check_answers_a_documented_non_5xx(election: Election) -> None:
    body = {"frames_base64": ["AA=="], "liveness_nonce": "x"}
    response = election.http.post("/v1/identification/sessions/unknown/face", json=body)
    assert response.status_code < 500
    assert str(response.status_code) in _documented_statuses(
        election, "/v1/identification/sessions/{session_id}/face", "post"
    )


@pytest.mark.xfail(
    strict=True,
    reason="GET /v1/board/tree-head?size=N answers 404 entry_not_found for a size never signed; 404 is not in the "
    "schema; owner voting_server",
)
def test_tree_head_of_an_unsigned_size_is_a_documented_status(election: Election) -> None:
    response = election.http.get("/v1/board/tree-head", params={"size": 0})
    assert str(response.status_code) in _documented_statuses(election, "/v1/board/tree-head", "get")


@pytest.mark.xfail(
    strict=True,
    reason="GET /v1/board/export streams application/x-ndjson but the schema documents application/json; "
    "owner voting_server",
)
def test_board_export_content_type_is_documented(election: Election) -> None:
    response = election.http.get("/v1/board/export")
    documented = election.app.openapi()["paths"]["/v1/board/export"]["get"]["responses"]["200"]["content"]
    assert response.headers["content-type"].split(";")[0] in documented


@pytest.mark.xfail(
    strict=True,
    reason="GET /v1/board/tree-head?size=2^70 is a 500 (OverflowError: Python int too large to convert to SQLite "
    "INTEGER); found by this fuzzer; owner voting_server (bound the query parameter, le=2**63-1)",
)
def test_tree_head_of_a_size_beyond_64_bits_is_refused_not_crashed(election: Election) -> None:
    from fastapi.testclient import TestClient

    with TestClient(election.app, raise_server_exceptions=False) as http:
        response = http.get("/v1/board/tree-head", params={"size": 2**70})
    assert 400 <= response.status_code < 500

"""Admin authentication and roles, the phase machine's refusals, tally refusals, settings and OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.server.harness import AUDITOR, OPERATOR, Election
from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN, Settings


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path)
    yield election
    election.close()


def test_admin_route_without_token_is_unauthorized(fresh: Election) -> None:
    response = fresh.http.post("/v1/admin/manifest", json={"preset": "president"})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_admin_route_with_unknown_token_is_unauthorized(fresh: Election) -> None:
    headers = {"Authorization": "Bearer not-a-token"}
    response = fresh.http.post("/v1/admin/manifest", json={"preset": "president"}, headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_auditor_may_read_but_not_change(fresh: Election) -> None:
    assert fresh.http.get("/v1/admin/status", headers=AUDITOR).json()["phase"] == "setup"
    response = fresh.http.post("/v1/admin/manifest", json={"preset": "president"}, headers=AUDITOR)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_opening_voting_before_the_key_ceremony_is_wrong_phase(fresh: Election) -> None:
    fresh.load_manifest()
    response = fresh.http.post("/v1/admin/channels/open", json={"channels": ["app"]}, headers=OPERATOR)
    assert response.status_code == 409 and response.json()["code"] == "wrong_phase"


def test_second_manifest_is_refused(fresh: Election) -> None:
    fresh.load_manifest()
    response = fresh.http.post("/v1/admin/manifest", json={"preset": "referendum"}, headers=OPERATOR)
    assert response.status_code == 409
    assert response.json()["code"] in ("wrong_phase", "duplicate_entry")


def test_identification_before_voting_is_wrong_phase(fresh: Election) -> None:
    fresh.load_manifest()
    number, _ = fresh.register_voter()
    response = fresh.http.post("/v1/identification/sessions", json={"national_id": number})
    assert response.status_code == 409 and response.json()["code"] == "wrong_phase"


def test_close_and_tally_out_of_order_are_wrong_phase(fresh: Election) -> None:
    fresh.load_manifest()
    assert fresh.http.post("/v1/admin/close", headers=OPERATOR).json()["code"] == "wrong_phase"
    assert fresh.http.post("/v1/admin/tally", json={}, headers=OPERATOR).json()["code"] == "wrong_phase"


def test_cast_after_close_is_wrong_phase_and_tally_refuses_bad_and_short_shares(tmp_path: Path) -> None:
    election = Election(tmp_path).setup_to_voting()
    try:
        client, credential = election.credential()
        late = client.prepare_ballot(credential, election.marks_for(credential))
        client.cast(client.prepare_ballot(credential, election.marks_for(credential, 1)))
        election.close_and_tally()
        response = election.http.post("/v1/ballots", json={"ballot": late.ballot.to_json()})
        assert response.status_code == 409 and response.json()["code"] == "wrong_phase"

        # A trustee who posts trustee 2's shares under its own number is refused, and named.
        forged = election.post_shares(1, election.decryption_shares(2))
        assert forged.status_code == 422
        assert forged.json()["code"] == "invalid_decryption_share" and "trustee 1" in forged.json()["message"]
        # With k - 1 = 2 valid shares nothing is published.
        assert election.post_shares(1).json()["results_published"] is False
        assert election.post_shares(4).json()["results_published"] is False
        refused = election.http.post("/v1/admin/results", headers=OPERATOR)
        assert refused.status_code == 409 and refused.json()["code"] == "not_enough_shares"
        # A trustee's slot is filled once; a second post changes nothing.
        assert election.post_shares(4).json()["appended"] is False
        assert election.post_shares(3).json()["results_published"] is True
    finally:
        election.close()


def test_board_api_serves_entries_tree_heads_and_proofs(voting: Election) -> None:
    board = voting.components.board
    board.integrate()
    entries = voting.http.get("/v1/board/entries", params={"start": 0, "end": 3}).json()
    assert [e["index"] for e in entries["entries"]] == [0, 1, 2]
    assert entries["entries"][0]["kind"] == "manifest"
    head = voting.http.get("/v1/board/tree-head").text
    assert head.startswith(board.origin)
    proof = voting.http.get("/v1/board/proofs/inclusion", params={"index": 1}).json()
    assert proof["index"] == 1
    consistency = voting.http.get("/v1/board/proofs/consistency", params={"first": 1}).json()
    assert consistency["old_size"] == 1 and consistency["new_size"] == board.tree_head().size
    export = voting.http.get("/v1/board/export")
    assert export.status_code == 200 and export.text.splitlines()[0].startswith('{"format"')


def test_health_and_readiness(voting: Election) -> None:
    assert voting.http.get("/health").json() == {"status": "ok"}
    ready = voting.http.get("/ready").json()
    assert ready["status"] == "ready" and ready["checks"]["database"] == "ok"


def test_ballot_definition_is_translated(voting: Election) -> None:
    style = voting.manifest.ballot_styles[0].style_id
    titles = {
        lang: voting.http.get(f"/v1/ballot-styles/{style}", params={"lang": lang}).json() for lang in ("ky", "ru", "en")
    }
    assert titles["en"]["contests"][0]["title"] == "President"
    assert titles["ky"]["contests"][0]["selections"][-1]["label"] == "Баарына каршы"
    assert titles["ru"]["contests"][0]["selections"][-1]["label"] == "Против всех"


def test_openapi_documents_the_error_codes_of_the_cast_route(voting: Election) -> None:
    spec = voting.http.get("/openapi.json").json()
    responses = spec["paths"]["/v1/ballots"]["post"]["responses"]
    assert "credential_spent" in responses["409"]["description"]
    assert "invalid_proof" in responses["422"]["description"]
    assert "payload_too_large" in responses["413"]["description"]


def test_settings_refuse_default_secrets_outside_development() -> None:
    with pytest.raises(ValidationError):
        Settings(environment="production")
    with pytest.raises(ValidationError):
        Settings(
            environment="production", admin_tokens={DEVELOPMENT_OPERATOR_TOKEN: "operator"}, board_signing_key="00" * 32
        )
    ok = Settings(
        environment="production",
        admin_tokens="operator:" + "x" * 32 + ",auditor:" + "y" * 32,
        board_signing_key="11" * 32,
    )
    assert set(ok.effective_admin_tokens().values()) == {"operator", "auditor"}


def test_development_settings_give_working_defaults() -> None:
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert DEVELOPMENT_OPERATOR_TOKEN in settings.effective_admin_tokens()


@pytest.mark.redis
def test_rate_limit_counts_in_redis(tmp_path: Path, redis_url: str) -> None:
    from fastapi.testclient import TestClient

    from voting_server.app import create_app

    app = create_app(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'b.sqlite3'}",
            redis_url=redis_url,
            rate_limit_per_minute=3,
            min_issuer_key_bits=2048,
        )
    )
    with TestClient(app) as http:
        codes = [http.post("/v1/ballots", json={"ballot": {}}).status_code for _ in range(5)]
    assert codes[:3] == [409, 409, 409]  # no election yet: refused by the phase, but counted
    assert codes[3:] == [429, 429]

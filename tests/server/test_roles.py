"""Each server role's route table (`voting_server.roles`): a registrar serves identification, credentials and its
own board posts; a ballot box everything else; a route outside the role is absent (404). The ballot box is built
without any identity part, and the role settings refuse a wiring that would hand it the registrar's keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from voting_server.app import create_app
from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN, ServerRole, Settings

OPERATOR = {"Authorization": f"Bearer {DEVELOPMENT_OPERATOR_TOKEN}"}

REGISTRAR_ONLY = [
    ("POST", "/v1/identification/sessions"),
    ("POST", "/v1/identification/sessions/s1/face"),
    ("POST", "/v1/identification/sessions/s1/attestation"),
    ("POST", "/v1/credentials"),
    ("POST", "/v1/admin/issuer-keys"),
    ("POST", "/v1/admin/register-counts"),
    ("POST", "/v1/admin/issuance/final"),
    ("POST", "/v1/cabinet/applications"),
    ("POST", "/v1/cabinet/identification"),
    ("POST", "/v1/cabinet/identification/s1/face"),
    ("GET", "/cabinet"),
    ("GET", "/cabinet/apply"),
]
BALLOT_BOX_ONLY = [
    ("POST", "/v1/ballots"),
    ("POST", "/v1/challenges"),
    ("GET", "/v1/receipts/abc"),
    ("POST", "/v1/admin/manifest"),
    ("POST", "/v1/admin/devices"),
    ("POST", "/v1/admin/channels/open"),
    ("POST", "/v1/admin/close"),
    ("POST", "/v1/admin/tally"),
    ("POST", "/v1/admin/results"),
    ("GET", "/v1/board/tree-head"),
    ("GET", "/v1/board/export"),
    ("GET", "/v1/trustees/tally"),
    ("GET", "/app/"),
    ("GET", "/dashboard"),
]
SHARED = [("GET", "/v1/election"), ("GET", "/v1/admin/status"), ("GET", "/health")]


def _app(tmp_path: Path, role: ServerRole) -> FastAPI:
    tmp_path.mkdir(parents=True, exist_ok=True)
    board = f"sqlite:///{tmp_path / 'board.sqlite3'}"
    if role is ServerRole.REGISTRAR:
        settings = Settings(
            role=role,
            database_url=f"sqlite:///{tmp_path / 'registrar.sqlite3'}",
            board_database_url=board,
            min_issuer_key_bits=2048,
        )
    else:
        settings = Settings(role=role, database_url=board, min_issuer_key_bits=2048)
    return create_app(settings)


def _paths(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app serves, from its OpenAPI description."""
    schema = app.openapi()
    return {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}


def _status(client: TestClient, method: str, path: str) -> int:
    return client.request(method, path, headers=OPERATOR, json={}).status_code


@pytest.mark.parametrize("role", list(ServerRole))
def test_each_role_serves_its_routes_and_not_the_others(tmp_path: Path, role: ServerRole) -> None:
    app = _app(tmp_path, role)
    absent = {
        ServerRole.ALL: [("POST", "/v1/admin/issuance/final")],  # `all` closes in one transaction
        ServerRole.REGISTRAR: BALLOT_BOX_ONLY,
        ServerRole.BALLOT_BOX: REGISTRAR_ONLY,
    }[role]
    present = {
        ServerRole.ALL: REGISTRAR_ONLY[:-3] + REGISTRAR_ONLY[-2:] + BALLOT_BOX_ONLY + SHARED,
        ServerRole.REGISTRAR: REGISTRAR_ONLY + SHARED,
        ServerRole.BALLOT_BOX: BALLOT_BOX_ONLY + SHARED,
    }[role]
    with TestClient(app) as client:
        for method, path in absent:
            assert _status(client, method, path) == 404, (role, method, path)
        for method, path in present:
            status = _status(client, method, path)
            # served: any answer but "no such route" (a 404 of a served route carries a stable error code)
            if status == 404:
                assert client.request(method, path, headers=OPERATOR, json={}).json().get("code"), (role, path)
            assert status != 405, (role, method, path)


def test_route_tables_of_the_two_roles_split_the_whole_server(tmp_path: Path) -> None:
    everything = _paths(_app(tmp_path / "a", ServerRole.ALL))
    registrar = _paths(_app(tmp_path / "r", ServerRole.REGISTRAR))
    ballot_box = _paths(_app(tmp_path / "b", ServerRole.BALLOT_BOX))
    shared = {("GET", "/v1/election"), ("GET", "/v1/ballot-styles/{style_id}"), ("GET", "/v1/admin/status")}
    shared |= {p for p in everything if p[1] in ("/health", "/ready")}
    assert registrar & ballot_box == shared
    # `all` serves everything either serves; only the registrar's separate half of the close is not in `all`.
    assert (registrar | ballot_box) - everything == {("POST", "/v1/admin/issuance/final")}
    assert everything <= registrar | ballot_box
    assert ("POST", "/v1/ballots") in ballot_box and ("POST", "/v1/credentials") in registrar


def test_the_ballot_box_is_built_without_identity_parts(tmp_path: Path) -> None:
    app = _app(tmp_path, ServerRole.BALLOT_BOX)
    parts = app.state.components
    assert parts.registrar is None and parts.registry is None and parts.cabinet is None
    import sqlalchemy as sa

    tables = set(sa.inspect(parts.storage.engine).get_table_names())
    assert not {t for t in tables if t.startswith("identity")}, tables
    parts.stop()
    parts.storage.close()


def test_role_settings_refuse_wrong_wiring(tmp_path: Path) -> None:
    board = f"sqlite:///{tmp_path / 'board.sqlite3'}"
    with pytest.raises(ValidationError, match="holds no issuer keys"):
        Settings(role=ServerRole.BALLOT_BOX, database_url=board, issuer_keys_dir=tmp_path / "keys")
    with pytest.raises(ValidationError, match="registrar role only"):
        Settings(role=ServerRole.BALLOT_BOX, database_url=board, board_database_url=board)
    with pytest.raises(ValidationError, match="needs SHAILOO_BOARD_DATABASE_URL"):
        Settings(role=ServerRole.REGISTRAR, database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with pytest.raises(ValidationError, match="must not be the board database"):
        Settings(role=ServerRole.REGISTRAR, database_url=board, board_database_url=board)
    with pytest.raises(ValidationError, match="must not be the board database"):  # the same file, spelled otherwise
        Settings(
            role=ServerRole.REGISTRAR, database_url=f"sqlite:///{tmp_path}/./board.sqlite3", board_database_url=board
        )
    postgres = "postgresql+psycopg://box@db/board"
    with pytest.raises(ValidationError, match="must not be the board database"):
        Settings(role=ServerRole.REGISTRAR, database_url="postgresql://box@db/board", board_database_url=postgres)
    other = Settings(
        role=ServerRole.REGISTRAR, database_url="postgresql://reg@db2/identity", board_database_url=postgres
    )
    assert other.board_url() == postgres

"""Path traversal in imports and look-ups: nothing Shailoo imports takes a file name from the file's content.

The voter registry CSV carries face templates inline (base64), the air-gapped trustee files and the board export
carry everything inline (canonical JSON, JSON lines), and the HTTP routes take ids, never paths. These tests pin
that design: a ``../../etc/passwd`` or an absolute path where a value is expected is refused with a stable code,
nothing is read from it and nothing is written.
"""

from __future__ import annotations

import base64
import builtins
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.errors import ExportFormatError
from bulletin_board.export import import_board, write_export
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from crypto.errors import ShailooError
from identity.registry import CSV_COLUMNS, SqlVoterRegistry
from tests.security.conftest import attempt
from tests.server.harness import Election
from trustees.airgap import RESPONSE_FORMAT, import_response
from trustees.coordinator import CeremonyParams

TRAVERSALS = ["../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "file:///etc/passwd"]


@pytest.fixture
def no_file_opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record any attempt to open a traversal target; the test asserts the list stays empty."""
    opened: list[str] = []
    real_open = builtins.open

    def guarded(file: Any, *args: Any, **kwargs: Any) -> Any:
        if "passwd" in str(file) or "win.ini" in str(file):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    monkeypatch.setattr(io, "open", guarded)
    yield opened


# --- the voter registry CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TRAVERSALS)
def test_registry_csv_with_a_path_where_the_face_template_goes_is_refused(
    tmp_path: Path, target: str, no_file_opened: list[str]
) -> None:
    registry = SqlVoterRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}"), b"\x01" * 32)
    row = {
        "personal_number": "21501199000001",
        "surname": "Test",
        "given_name": "Voter",
        "patronymic": "",
        "birth_date": "1990-01-15",
        "region": "bishkek",
        "district": "d1",
        "precinct": "p1",
        "face_template": target,
    }
    text = ",".join(CSV_COLUMNS) + "\n" + ",".join(row[c] for c in CSV_COLUMNS) + "\n"
    report = registry.import_csv(text)
    assert report.imported == 0 and registry.count() == 0
    assert [r.reason for r in report.rejected] in (["template_invalid"], ["invalid_personal_number"])
    assert no_file_opened == []


def test_registry_csv_template_that_is_base64_of_a_path_is_refused(tmp_path: Path) -> None:
    registry = SqlVoterRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}"), b"\x01" * 32)
    encoded = base64.b64encode(b"../../etc/passwd").decode()
    text = ",".join(CSV_COLUMNS) + "\n" + "21501199000001,T,V,,1990-01-15,bishkek,d1,p1," + encoded + "\n"
    report = registry.import_csv(text)
    assert report.imported == 0 and registry.count() == 0 and report.rejected


# --- the air-gapped trustee files ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TRAVERSALS)
def test_air_gapped_response_naming_a_path_is_refused_and_nothing_read(
    tmp_path: Path, target: str, no_file_opened: list[str]
) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    board = BulletinBoard(storage, Ed25519PrivateKey.generate(), origin="shailoo.test/board")
    response: dict[str, Any] = {
        "format": RESPONSE_FORMAT,
        "version": 1,
        "trustee": 1,
        "purpose": "key_ceremony",
        "board": {"size": 0, "root": target},
        "answers": target,
        "posts": [{"kind": "trustee_commitment", "payload": {"file": target}, "dedup_key": target}],
        "keystore": target,
    }
    with pytest.raises(ShailooError) as caught:
        import_response(board, CeremonyParams(5, 3), response)
    # A well-formed response whose board root is a path: refused as the answer to another board.
    assert caught.value.code == "stale_request", caught.value
    assert board.size == 0 and no_file_opened == []
    storage.close()


# --- the board export ------------------------------------------------------------------------------------------


def _export_lines(tmp_path: Path) -> list[dict[str, Any]]:
    storage = open_storage(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    board = BulletinBoard(storage, Ed25519PrivateKey.generate(), origin="shailoo.test/board")
    board.integrate()
    out = io.BytesIO()
    write_export(board, out)
    storage.close()
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_board_export_whose_header_names_a_path_is_refused(
    tmp_path: Path, target: str, no_file_opened: list[str]
) -> None:
    lines = _export_lines(tmp_path)
    lines[0] = {**lines[0], "origin": target}
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
    target_storage = open_storage(f"sqlite:///{tmp_path / 'imported.sqlite3'}")
    with pytest.raises(ExportFormatError) as caught:
        import_board(path, target_storage)
    assert caught.value.code == "invalid_export" and no_file_opened == []
    assert target_storage.state()[0] == 0  # nothing imported
    target_storage.close()


# --- HTTP routes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/ballot-styles/..%2f..%2f..%2fetc%2fpasswd",
        "/v1/ballot-styles/%2fetc%2fpasswd",
        "/v1/receipts/..%2f..%2fetc%2fpasswd",
        "/v1/identification/sessions/..%2f..%2fetc%2fpasswd/face",
        "/v1/board/entries?start=0&end=..%2f..%2fetc%2fpasswd",
        "/observe/board/..%2f..%2fetc%2fpasswd",
        "/static/..%2f..%2f..%2fetc%2fpasswd",
    ],
)
def test_traversal_in_a_url_reads_no_file(election: Election, path: str) -> None:
    method = "POST" if path.endswith("/face") else "GET"
    kwargs: dict[str, Any] = {"json": {"frames_base64": ["AA=="], "liveness_nonce": "x"}} if method == "POST" else {}
    refusal = attempt(election, method, path, **kwargs)
    # No route matches an encoded path segment; the board's range is a number, so a path there is malformed.
    assert (refusal.status, refusal.code) == ((422, "malformed") if "start=" in path else (404, "not_found"))
    assert "root:" not in json.dumps(refusal.body)

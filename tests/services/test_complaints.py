"""The complaints registry end to end: a "my ballot is missing" complaint with the board's signed promise is judged
at once (a kept promise rejects it, a broken one is proof against the board), other complaints carry a text and
attachments that never reach the board, and the verifier's check 50 judges every promise-backed complaint again."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.checkpoint import SignedPromise, sign_promise
from bulletin_board.entries import EntryKind
from observer.board_export import load_export
from observer.context import VerifyOptions
from observer.report import CheckResult
from observer.verify import run_checks
from tests.server.harness import AUDITOR, OPERATOR, Election


@pytest.fixture(scope="module")
def voting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    election = Election(tmp_path_factory.mktemp("complaints")).setup_to_voting()
    yield election
    election.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path)
    election.load_manifest()
    yield election
    election.close()


def _cast_receipt_promise(election: Election) -> str:
    client, credential = election.credential()
    receipt = client.cast(client.prepare_ballot(credential, election.marks_for(credential)))
    return receipt.promise


def _file(election: Election, **body: Any) -> Any:
    return election.http.post("/v1/complaints", json={"complainant": "voter", **body})


def _board_key(election: Election) -> Ed25519PrivateKey:
    return election.components.board._signing_key()  # the board's own key: the promise is genuinely the board's


def _broken_promise(election: Election, index: int, entry_hash: bytes) -> str:
    """A promise the board really signed (its own key) for an entry it does not hold: what a board that lost or
    replaced a ballot after promising it would have handed out."""
    board = election.components.board
    return sign_promise(board.origin, index, entry_hash, 1, _board_key(election)).to_text()


def _check_50(election: Election, tmp_path: Path) -> CheckResult:
    export = tmp_path / "board.jsonl"
    export.write_bytes(election.http.get("/v1/board/export").content)
    return run_checks(load_export(export), VerifyOptions(min_issuer_bits=2048, min_witnesses=0)).check(50)


def test_missing_ballot_complaint_with_a_kept_promise_is_rejected_at_once(voting: Election, tmp_path: Path) -> None:
    promise = _cast_receipt_promise(voting)
    answer = _file(voting, category="ballot_missing", promise=promise)
    assert answer.status_code == 200, answer.text
    status = answer.json()
    assert status["status"] == "resolved" and status["outcome"] == "rejected"
    code = status["complaint_code"]
    assert voting.http.get(f"/v1/complaints/{code}").json()["outcome"] == "rejected"
    entries = voting.http.get("/v1/board/entries", params={"start": status["filed_index"]}).json()["entries"]
    assert [e["kind"] for e in entries[:2]] == ["public_complaint", "complaint_resolution"]
    assert entries[1]["payload"]["finding"] == "entry_present"
    check = _check_50(voting, tmp_path)
    assert check.status.value == "pass", check.message
    assert any(c["complaint_code"] == code and c["answered"] for c in check.evidence["promise_backed"])


@pytest.mark.parametrize("broken", ["entry_missing", "entry_differs"])
def test_a_broken_promise_upholds_the_complaint_and_fails_the_verifier(
    fresh: Election, tmp_path: Path, broken: str
) -> None:
    board = fresh.components.board
    index = board.size + 5 if broken == "entry_missing" else 0
    promise = _broken_promise(fresh, index, hashlib.sha256(b"a ballot the board lost").digest())
    status = _file(fresh, category="ballot_missing", promise=promise).json()
    assert status["outcome"] == "upheld"
    assert board.entry(status["resolution_index"]).payload["finding"] == broken
    check = _check_50(fresh, tmp_path)
    assert check.status.value == "fail"
    assert "broke its signed promise" in check.message


def test_the_same_promise_with_a_valid_entry_hash_passes_the_verifier(fresh: Election, tmp_path: Path) -> None:
    # Differs from the broken promise above only in the entry hash: the one the board really holds at index 0.
    board = fresh.components.board
    promise = _broken_promise(fresh, 0, board.entry(0).entry_hash)
    assert _file(fresh, category="ballot_missing", promise=promise).json()["outcome"] == "rejected"
    assert _check_50(fresh, tmp_path).status.value == "pass"


def test_a_promise_signed_by_another_key_is_refused_and_changes_nothing(fresh: Election) -> None:
    board = fresh.components.board
    other = Ed25519PrivateKey.generate()
    forged = sign_promise(board.origin, board.size + 5, bytes(32), 1, other).to_text()
    size = board.size
    answer = _file(fresh, category="ballot_missing", promise=forged)
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_promise"
    garbage = _file(fresh, category="ballot_missing", promise="not a promise")
    assert garbage.status_code == 422 and garbage.json()["code"] == "invalid_promise"
    assert board.size == size


def test_a_complaint_the_board_never_answered_fails_the_verifier(fresh: Election, tmp_path: Path) -> None:
    board = fresh.components.board
    promise = SignedPromise.from_text(board.promise(0).to_text()).to_text()
    payload = {
        "complaint_code": "C-0123456789ABCDEF",
        "complainant": "voter",
        "category": "ballot_missing",
        "promise": promise,
        "text_sha256": None,
        "attachments": [],
    }
    board.append(EntryKind.PUBLIC_COMPLAINT, payload)  # filed, never resolved
    check = _check_50(fresh, tmp_path)
    assert check.status.value == "fail" and "never answered" in check.message


def test_other_complaint_keeps_text_and_files_off_the_board(fresh: Election, tmp_path: Path) -> None:
    text = "Асан Асанов, ул. Киевская 1: the precinct opened late"
    photo = b"\x89PNG fake photo bytes"
    body = {
        "category": "other",
        "complainant": "observer",
        "text": text,
        "attachments": [{"media_type": "image/png", "content_base64": base64.b64encode(photo).decode()}],
    }
    status = _file(fresh, **body).json()
    assert status["status"] == "open"
    code = status["complaint_code"]
    payload = fresh.components.board.entry(status["filed_index"]).payload
    assert payload["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert payload["attachments"][0]["sha256"] == hashlib.sha256(photo).hexdigest()
    export = fresh.http.get("/v1/board/export").content.decode()
    assert "Асанов" not in export and "Киевская" not in export
    # The commission reads it; the public status shows no text.
    assert fresh.http.get(f"/v1/admin/complaints/{code}", headers=AUDITOR).json()["text"] == text
    assert "text" not in fresh.http.get(f"/v1/complaints/{code}").json()
    assert fresh.http.get("/v1/admin/complaints", headers=AUDITOR).json()["open"] == [code]
    check = _check_50(fresh, tmp_path)
    assert check.status.value == "pass" and check.evidence["unanswered"] == [code]
    resolved = fresh.http.post(
        f"/v1/admin/complaints/{code}/resolve",
        json={"outcome": "upheld", "reason": "the precinct commission was reprimanded"},
        headers=OPERATOR,
    ).json()
    assert resolved["status"] == "resolved" and resolved["outcome"] == "upheld"
    again = fresh.http.post(
        f"/v1/admin/complaints/{code}/resolve", json={"outcome": "rejected", "reason": "x"}, headers=OPERATOR
    )
    assert again.status_code == 409 and again.json()["code"] == "already_resolved"


def test_bad_complaints_are_refused_and_change_nothing(fresh: Election) -> None:
    board = fresh.components.board
    size = board.size
    too_big = base64.b64encode(b"x" * (256 * 1024 + 1)).decode()
    cases = [
        ({"category": "other", "text": "t", "attachments": [{"media_type": "image/png", "content_base64": too_big}]},
         413, "attachment_too_large"),
        ({"category": "other", "text": "t", "attachments": [{"media_type": "image/gif", "content_base64": ""}]},
         422, "malformed"),
        ({"category": "other", "text": "t", "attachments": [{"media_type": "image/png", "content_base64": "@@"}]},
         422, "invalid_complaint"),
        ({"category": "other"}, 422, "invalid_complaint"),
        ({"category": "ballot_missing", "text": "t"}, 422, "invalid_complaint"),
        ({"category": "other", "text": "t", "complainant": "minister"}, 422, "malformed"),
    ]  # fmt: skip
    for body, status, code in cases:
        answer = _file(fresh, **body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), (body, answer.text)
    assert board.size == size
    assert fresh.http.get("/v1/complaints/C-0000000000000000").json()["code"] == "unknown_complaint"


def test_complaints_before_the_manifest_are_wrong_phase(tmp_path: Path) -> None:
    election = Election(tmp_path)
    try:
        answer = _file(election, category="other", text="too early")
        assert answer.status_code == 409 and answer.json()["code"] == "wrong_phase"
        from voting_server.complaints import COMPLAINT

        with election.components.storage.engine.connect() as conn:
            assert conn.execute(COMPLAINT.select()).first() is None  # the row rolled back with the refused entry
    finally:
        election.close()


def test_complaint_routes_are_in_the_openapi(fresh: Election) -> None:
    paths = json.loads(fresh.http.get("/openapi.json").content)["paths"]
    assert {"/v1/complaints", "/v1/complaints/{code}", "/v1/admin/complaints/{code}/resolve"} <= set(paths)

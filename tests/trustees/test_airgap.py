"""Air-gapped trustees: request and response files through a folder standing for the USB stick."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin_board.log import BulletinBoard
from record.ceremony import JointKey
from tests.trustees.conftest import FAST_KDF, PARAMS, new_board, trustee_secrets
from tests.trustees.election import Election, cast_and_close, manifest_board
from trustees.airgap import (
    Purpose,
    import_response,
    make_request,
    read_json_file,
    respond,
    write_json_file,
)
from trustees.ceremony_steps import run_trustee
from trustees.coordinator import BoardTransport
from trustees.decryption import combine_tally_from_board, run_decryption
from trustees.errors import StaleRequestError
from trustees.keystore import Keystore
from trustees.keystore_contents import MemoryStore, TrusteeSecrets

PASS = "offline laptop passphrase"


def _offline_keystore(tmp_path: Path, index: int = 3) -> Path:
    secrets = trustee_secrets(index, PARAMS)
    path = tmp_path / f"trustee{index}.keystore"
    Keystore.create(path, PASS, secrets.to_dict(), label=secrets.label(), kdf=FAST_KDF)
    return path


def _trip(board: BulletinBoard, keystore: Path, usb: Path, purpose: Purpose, trustee: int = 3) -> dict:  # type: ignore[type-arg]
    """Coordinator writes the request, the laptop answers it, the coordinator imports the response."""
    write_json_file(usb / "request.json", make_request(board.entries(0, board.size), trustee, purpose))
    response, _ = respond(Keystore.open(keystore, PASS), read_json_file(usb / "request.json"))
    write_json_file(usb / "response.json", response)
    import_response(board, PARAMS, read_json_file(usb / "response.json"))
    return response


def _online(index: int) -> MemoryStore:
    return MemoryStore(trustee_secrets(index, PARAMS).to_dict())


def test_air_gapped_trustee_takes_part_in_the_key_ceremony_and_the_decryption(tmp_path: Path) -> None:
    board, manifest = manifest_board()
    keystore = _offline_keystore(tmp_path)
    online = {i: _online(i) for i in (1, 2, 4, 5)}
    transport = BoardTransport(board, PARAMS)
    for _ in range(4):
        for store in online.values():
            run_trustee(store, transport)
        _trip(board, keystore, tmp_path, Purpose.KEY_CEREMONY)
    for store in online.values():
        assert run_trustee(store, transport).done
    offline = TrusteeSecrets.from_dict(Keystore.open(keystore, PASS).secrets)
    assert offline.key_share is not None
    # The request and response files are canonical JSON.
    raw = (tmp_path / "response.json").read_bytes()
    assert json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == raw

    stores = [online[1], online[2], Keystore.open(keystore, PASS), online[4], online[5]]
    election = cast_and_close(Election(board, manifest, _joint(board), stores, {}))
    _trip(board, keystore, tmp_path, Purpose.DECRYPTION)
    run_decryption(online[5], transport)
    run_decryption(online[1], transport)
    combined = combine_tally_from_board(board)
    assert combined.trustees == (1, 3, 5)
    assert {s: c["president"] for s, c in combined.counts_by_style.items() if any(c["president"])} == election.expected


def _joint(board: BulletinBoard) -> JointKey:
    [entry] = [e for e in board.entries(0, board.size) if e.kind.value == "joint_key"]
    return JointKey.from_payload(entry.payload)


def test_stale_response_is_refused(tmp_path: Path) -> None:
    board = new_board()
    keystore = _offline_keystore(tmp_path)
    old = _trip(board, keystore, tmp_path, Purpose.KEY_CEREMONY)  # step 1: the commitment
    for i in (1, 2, 4, 5):
        run_trustee(_online(i), BoardTransport(board, PARAMS))
    _trip(board, keystore, tmp_path, Purpose.KEY_CEREMONY)  # step 2: the shares
    with pytest.raises(StaleRequestError) as info:
        import_response(board, PARAMS, old)
    assert info.value.code == "stale_request"


def test_response_presented_for_another_trustee_is_refused(tmp_path: Path) -> None:
    board = new_board()
    keystore = _offline_keystore(tmp_path)
    request = make_request(board.entries(0, board.size), 3, Purpose.KEY_CEREMONY)
    response, _ = respond(Keystore.open(keystore, PASS), request)
    with pytest.raises(StaleRequestError):
        import_response(board, PARAMS, {**response, "trustee": 4})
    assert board.size == 1


def test_response_for_another_board_is_refused(tmp_path: Path) -> None:
    board, other = new_board(), new_board("another-election")
    keystore = _offline_keystore(tmp_path)
    response, _ = respond(
        Keystore.open(keystore, PASS), make_request(other.entries(0, other.size), 3, Purpose.KEY_CEREMONY)
    )
    with pytest.raises(StaleRequestError):
        import_response(board, PARAMS, response)


def test_altered_request_is_refused_by_the_laptop(tmp_path: Path) -> None:
    board = new_board()
    keystore = _offline_keystore(tmp_path)
    request = make_request(board.entries(0, board.size), 3, Purpose.KEY_CEREMONY)
    request["entries"][0]["payload"]["title"] = "a forged election"
    with pytest.raises(StaleRequestError):
        respond(Keystore.open(keystore, PASS), request)


def test_request_for_another_trustee_is_refused_by_the_laptop(tmp_path: Path) -> None:
    board = new_board()
    keystore = _offline_keystore(tmp_path)
    with pytest.raises(StaleRequestError):
        respond(Keystore.open(keystore, PASS), make_request(board.entries(0, board.size), 2, Purpose.KEY_CEREMONY))


def test_air_gapped_decryption_in_many_parts_is_imported_piece_by_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    """A big tally's shares come in many parts; the coordinator imports the response one post per request
    (`response_pieces`), in any order, and a piece holding a post the response does not declare is refused."""
    import bulletin_board.entries
    from tests.trustees.election import open_election
    from trustees.airgap import response_pieces

    monkeypatch.setattr(bulletin_board.entries, "DECRYPTION_SHARES_PER_PART", 2)
    election = cast_and_close(open_election())
    board = election.board
    request = make_request(board.entries(0, board.size), 3, Purpose.DECRYPTION)
    response, _ = respond(election.trustees[2], request)
    pieces = response_pieces(response)
    assert len(pieces) == len(response["posts"]) > 1
    other = response_pieces(
        respond(election.trustees[3], make_request(board.entries(0, board.size), 4, Purpose.DECRYPTION))[0]
    )
    with pytest.raises(StaleRequestError):
        import_response(board, PARAMS, {**pieces[0], "posts": other[0]["posts"]})
    for piece in reversed(pieces):
        import_response(board, PARAMS, piece)
    assert import_response(board, PARAMS, response) == []  # the whole response again: a harmless retry
    transport = BoardTransport(board, PARAMS)
    for store in election.trustees[:2]:
        run_decryption(store, transport)
    assert combine_tally_from_board(board).trustees == (1, 2, 3)

"""Export and offline import: a faithful round trip, and every kind of tampering caught at the right place."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.checkpoint import sign_promise
from bulletin_board.entries import Entry
from bulletin_board.errors import ExportFormatError, ReadOnlyBoardError
from bulletin_board.export import import_board, iter_export, verify_export, write_export
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import BoardStorage
from bulletin_board.witness import MemoryWitnessStore, Witness
from crypto.canonical import canonical_json

WITNESS_KEY = Ed25519PrivateKey.generate()


def _fill(board: BulletinBoard) -> list[bytes]:
    witness = Witness(
        "observer.example",
        WITNESS_KEY,
        log_origin=board.origin,
        log_key=board.public_key,
        store=MemoryWitnessStore(),
        clock=lambda: 7,
    )
    board.append_many([("manifest", {"name": "Жогорку Кеңеш 2026"}), ("trustee_commitment", {"t": 1})])
    board.collect_cosignature(witness)
    board.append_many([("joint_key", {}), ("issuer_keys", {}), ("channels_open", {})])
    board.append_many([("ballot", {"n": i, "choices": [i % 3, 1]}) for i in range(20)])
    board.collect_cosignature(witness)
    board.append_many([("ballot", {"n": i}) for i in range(20, 26)])
    board.integrate()
    board.append("ballot", {"n": "after the last head: not exported"})
    return list(iter_export(board))


def _lines_as_objects(lines: list[bytes]) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in lines]


def _entry_line(lines: list[bytes], index: int) -> int:
    return next(i for i, x in enumerate(lines) if b'"type":"entry"' in x and json.loads(x)["index"] == index)


def _rejected(lines: list[bytes], **kwargs) -> ExportFormatError:  # type: ignore[no-untyped-def]
    with pytest.raises(ExportFormatError) as caught:
        verify_export(lines, **kwargs)
    assert caught.value.code == "invalid_export"
    return caught.value


def test_export_verifies_offline(board: BulletinBoard) -> None:
    lines = _fill(board)
    summary = verify_export(
        lines, log_key=board.public_key, witness_keys={"observer.example": WITNESS_KEY.public_key()}
    )
    assert summary.size == 31
    assert summary.tree_heads == 3
    assert summary.cosignatures == 2
    assert summary.last_tree_head == board.tree_head(31)
    assert all(x.endswith(b"\n") and x.count(b"\n") == 1 for x in lines)


def test_import_rebuilds_the_same_board(
    board: BulletinBoard, tmp_path: Path, open_board_storage: Callable[[], BoardStorage]
) -> None:
    lines = _fill(board)
    path = tmp_path / "board.jsonl"
    with path.open("wb") as f:
        write_export(board, f)
    assert path.read_bytes() == b"".join(lines)
    copy_storage = open_board_storage()
    copy_storage.drop_schema()
    copy_storage.create_schema()
    import_board(path, copy_storage, log_key=board.public_key)
    copy = BulletinBoard.mirror(copy_storage, board.public_key, origin=board.origin)
    assert copy.tree_heads() == [h for h in board.tree_heads() if h.size <= 31]
    assert copy.entries(0, 31) == board.entries(0, 31)
    assert [p.to_text() for p in map(copy.promise, range(31))] == [board.promise(i).to_text() for i in range(31)]
    assert copy.inclusion_proof(17, 31) == board.inclusion_proof(17, 31)
    assert copy.consistency_proof(2, 28) == board.consistency_proof(2, 28)
    assert copy.phase is board.phase
    with pytest.raises(ReadOnlyBoardError):
        copy.append("ballot", {})
    out = io.BytesIO()
    write_export(copy, out)
    assert out.getvalue() == b"".join(lines)


def test_altered_payload_fails_at_that_entry(board: BulletinBoard) -> None:
    lines = _fill(board)
    at = _entry_line(lines, 12)
    obj = json.loads(lines[at])
    obj["payload"]["choices"] = [2, 2]
    lines[at] = canonical_json(obj) + b"\n"
    error = _rejected(lines)
    assert error.index == 12
    assert "entry 12" in error.message


def test_dropped_entry_fails_at_its_index(board: BulletinBoard) -> None:
    lines = _fill(board)
    del lines[_entry_line(lines, 9)]
    assert _rejected(lines).index == 9


def test_swapped_entries_fail_at_the_first(board: BulletinBoard) -> None:
    lines = _fill(board)
    a, b = _entry_line(lines, 14), _entry_line(lines, 15)
    lines[a], lines[b] = lines[b], lines[a]
    assert _rejected(lines).index == 14


def test_altered_promise_signature_fails_at_that_entry(board: BulletinBoard) -> None:
    lines = _fill(board)
    at = _entry_line(lines, 20)
    obj = json.loads(lines[at])
    obj["promise_signature"] = ("00" if obj["promise_signature"][:2] != "00" else "11") + obj["promise_signature"][2:]
    lines[at] = canonical_json(obj) + b"\n"
    assert _rejected(lines).index == 20


def test_garbled_entry_line_is_named(board: BulletinBoard) -> None:
    lines = _fill(board)
    at = _entry_line(lines, 5)
    lines[at] = lines[at][:-10] + b"\n"
    assert _rejected(lines).index == 5


def test_entry_in_the_wrong_phase_fails_even_if_the_log_signed_it(
    board: BulletinBoard, log_key: Ed25519PrivateKey
) -> None:
    lines = _fill(board)
    at = _entry_line(lines, 1)
    rogue = Entry.create(1, "ballot", {"stuffed": True})  # a ballot during the key ceremony
    promise = sign_promise(board.origin, 1, rogue.entry_hash, 5, log_key)
    line = {"type": "entry", "index": 1, "kind": "ballot", "payload": {"stuffed": True}, "timestamp": 5}
    lines[at] = canonical_json({**line, "promise_signature": promise.signature.hex()}) + b"\n"
    error = _rejected(lines)
    assert error.index == 1
    assert "not allowed in phase key_ceremony" in error.message


def test_altered_tree_head_rejected(board: BulletinBoard) -> None:
    lines = _fill(board)
    at = next(i for i, x in enumerate(lines) if b'"type":"tree_head"' in x)
    obj = json.loads(lines[at])
    obj["checkpoint"] = obj["checkpoint"].replace("\n2\n", "\n3\n", 1)
    lines[at] = canonical_json(obj) + b"\n"
    assert _rejected(lines).index is None


def _tree_head_lines(lines: list[bytes]) -> list[int]:
    return [i for i, x in enumerate(lines) if b'"type":"tree_head"' in x]


def test_every_head_after_the_first_carries_the_consistency_proof_from_the_one_before(board: BulletinBoard) -> None:
    lines = _fill(board)
    heads = [json.loads(lines[i]) for i in _tree_head_lines(lines)]
    assert "consistency" not in heads[0]
    assert [(h["consistency"]["old_size"], h["consistency"]["new_size"]) for h in heads[1:]] == [(2, 25), (25, 31)]
    assert heads[1]["consistency"] == board.consistency_proof(2, 25).to_json()


@pytest.mark.parametrize("head", [1, 2])
def test_a_wrong_consistency_proof_in_the_export_is_rejected(board: BulletinBoard, head: int) -> None:
    lines = _fill(board)
    at = _tree_head_lines(lines)[head]
    obj = json.loads(lines[at])
    hashes = obj["consistency"]["hashes"]
    hashes[-1] = ("0" if hashes[-1][0] != "0" else "1") + hashes[-1][1:]  # one hash of the proof changed
    lines[at] = canonical_json(obj) + b"\n"
    error = _rejected(lines)
    assert error.line == at + 1 and "consistency proof" in error.message


def test_a_missing_or_misplaced_consistency_proof_is_rejected(board: BulletinBoard) -> None:
    lines = _fill(board)
    first, second = _tree_head_lines(lines)[:2]
    dropped = json.loads(lines[second])
    proof = dropped.pop("consistency")
    assert (
        "carries no consistency proof"
        in _rejected([*lines[:second], canonical_json(dropped) + b"\n", *lines[second + 1 :]]).message
    )
    moved = {**json.loads(lines[first]), "consistency": proof}
    assert "first tree head" in _rejected([*lines[:first], canonical_json(moved) + b"\n", *lines[first + 1 :]]).message
    stale = json.loads(lines[_tree_head_lines(lines)[2]])
    stale["consistency"] = proof  # a genuine proof, but from 2 to 25, not from 25 to 31
    at = _tree_head_lines(lines)[2]
    assert "consistency proof" in _rejected([*lines[:at], canonical_json(stale) + b"\n", *lines[at + 1 :]]).message


def test_forged_cosignature_rejected(board: BulletinBoard) -> None:
    lines = _fill(board)
    at = next(i for i, x in enumerate(lines) if b'"type":"cosignature"' in x)
    obj = json.loads(lines[at])
    obj["witness_key"] = bytes(32).hex() if obj["witness_key"] != bytes(32).hex() else "01" * 32
    lines[at] = canonical_json(obj) + b"\n"
    _rejected(lines)


def test_cosignature_under_an_unexpected_witness_key_rejected(board: BulletinBoard) -> None:
    lines = _fill(board)
    _rejected(lines, witness_keys={"observer.example": Ed25519PrivateKey.generate().public_key()})


def test_truncated_export_rejected(board: BulletinBoard) -> None:
    lines = _fill(board)
    _rejected(lines[:-1])
    _rejected(lines[: _entry_line(lines, 29)])


def test_export_of_another_log_rejected(board: BulletinBoard) -> None:
    lines = _fill(board)
    _rejected(lines, log_key=Ed25519PrivateKey.generate().public_key())


def test_an_export_under_a_small_order_log_key_is_refused_at_its_header(board: BulletinBoard) -> None:
    """Under the neutral point (R = neutral, S = 0) verifies every promise and tree head, so an export naming it as
    its log key could be forged whole by anyone: it is refused at the header, before any signature is read. Only the
    header's ``log_key`` differs from the valid export."""
    lines = _fill(board)
    header = json.loads(lines[0])
    header["log_key"] = "01" + "00" * 31
    lines[0] = json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    error = _rejected(lines)
    assert "small order" in error.message and "log_key" in error.message, error.message


def test_line_after_the_end_rejected(board: BulletinBoard) -> None:
    lines = _fill(board)
    _rejected([*lines, lines[-1]])


def _spaced(text: str) -> str:
    return " ".join(text[i : i + 2] for i in range(0, len(text), 2))


@pytest.mark.parametrize(
    ("member", "alter", "named"),
    [
        ("promise_signature", lambda s: 7, "$.promise_signature: must be a string of lowercase hex"),
        ("promise_signature", str.upper, "$.promise_signature: must be lowercase hex"),
        ("promise_signature", _spaced, "$.promise_signature: must be lowercase hex"),
        ("timestamp", str, "$.timestamp: must be an integer"),
        ("note", lambda s: "x", "$: missing fields [], unknown fields ['note']"),
    ],
)
def test_an_entry_lines_promise_fields_are_read_strictly_and_named(
    board: BulletinBoard, member: str, alter: Callable[[object], object], named: str
) -> None:
    # Found by review: the promise signature was read with bytes.fromhex(str(...)), so its hex in uppercase or
    # with spaces still verified, and a number or a string timestamp was refused without naming the field.
    lines = _fill(board)
    at = _entry_line(lines, 7)
    obj = json.loads(lines[at])
    lines[at] = canonical_json({**obj, member: alter(obj.get(member))}) + b"\n"
    error = _rejected(lines)
    assert error.index == 7
    assert named in error.message, error.message

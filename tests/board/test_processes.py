"""Several processes appending at once, and ``kill -9`` of an appender, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from bulletin_board import merkle
from bulletin_board.checkpoint import SignedPromise, verify_promise, verify_tree_head
from bulletin_board.export import iter_export, verify_export
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import BoardStorage

REPO = Path(__file__).resolve().parents[2]


def _key_hex(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()


def _open_voting(board: BulletinBoard) -> None:
    board.append_many([("manifest", {}), ("trustee_commitment", {}), ("joint_key", {}), ("channels_open", {})])


def _spawn(
    board_url: tuple[str, str | None], key: Ed25519PrivateKey, count: int, batch: int, tag: str
) -> subprocess.Popen[str]:
    url, schema = board_url
    args = [
        sys.executable,
        "-m",
        "tests.board.appender",
        url,
        schema or "-",
        _key_hex(key),
        str(count),
        str(batch),
        tag,
    ]
    return subprocess.Popen(
        args, cwd=REPO, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )


def _check_whole_tree(board: BulletinBoard) -> list[bytes]:
    """Every index present once, and the stored Merkle nodes agree with a rebuild from the entries."""
    size = board.size
    entries = board.entries(0, size)
    assert [e.index for e in entries] == list(range(size))
    leaves = [e.entry_hash for e in entries]
    assert board.integrate().root_hash == merkle.root(leaves)
    return leaves


@pytest.mark.slow
def test_concurrent_appenders_leave_no_gap_and_no_duplicate(
    board: BulletinBoard, log_key: Ed25519PrivateKey, board_url: tuple[str, str | None]
) -> None:
    _open_voting(board)
    writers = [_spawn(board_url, log_key, 60, batch, f"w{i}") for i, batch in enumerate((1, 3, 7))]
    outputs = [w.communicate(timeout=120)[0] for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0]
    leaves = _check_whole_tree(board)
    assert len(leaves) == 4 + 3 * 60
    promised = [json.loads(line) for out in outputs for line in out.splitlines()]
    assert len(promised) == 3 * 60
    assert len({p["index"] for p in promised}) == len(promised)
    for p in promised:
        assert leaves[p["index"]].hex() == p["entry_hash"]
    heads = board.tree_heads()
    assert [h.size for h in heads] == sorted({h.size for h in heads})
    assert [h.timestamp for h in heads] == sorted(h.timestamp for h in heads)
    for old, new in itertools.pairwise(heads):
        verify_tree_head(new, board.public_key)
        board.consistency_proof(old.size, new.size).verify_heads(old, new)
    verify_export(iter_export(board), log_key=board.public_key)
    for i, writer_output in enumerate(outputs):
        numbers = [board.entry(json.loads(line)["index"]).payload["n"] for line in writer_output.splitlines()]
        assert numbers == list(range(60)), f"writer {i} lost or reordered its own entries"


@pytest.mark.slow
def test_acknowledged_appends_survive_kill_9(
    board: BulletinBoard,
    log_key: Ed25519PrivateKey,
    board_url: tuple[str, str | None],
    open_board_storage: Callable[[], BoardStorage],
) -> None:
    _open_voting(board)
    child = _spawn(board_url, log_key, 0, 5, "killed")
    assert child.stdout is not None
    acknowledged = []
    for line in child.stdout:
        acknowledged.append(json.loads(line))
        if len(acknowledged) >= 150:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    # Lines already in the pipe were acknowledged too.
    acknowledged += [json.loads(line) for line in child.stdout.read().splitlines() if line.endswith("}")]
    reopened = BulletinBoard(open_board_storage(), log_key, origin=board.origin)
    leaves = _check_whole_tree(reopened)
    for p in acknowledged:
        promise = SignedPromise.from_text(p["promise"])
        verify_promise(promise, reopened.public_key)
        assert leaves[promise.index] == promise.entry_hash
        assert reopened.find_by_hash(promise.entry_hash) is not None
    reopened.append("ballot", {"after": "restart"})  # the board keeps working after the crash
    assert reopened.size == len(leaves) + 1

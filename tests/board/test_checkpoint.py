"""Signed notes: tree heads, promises and cosignatures parse exactly and verify only under the right key."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board import merkle
from bulletin_board.checkpoint import (
    SignedPromise,
    SignedTreeHead,
    TreeHead,
    cosign,
    key_id,
    sign_promise,
    sign_tree_head,
    verify_cosignature,
    verify_promise,
    verify_tree_head,
)
from bulletin_board.errors import InvalidCheckpointError

ORIGIN = "cec.shailoo.kg/board/test"
KEY = Ed25519PrivateKey.generate()
ROOT = merkle.root([merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")])
STH = sign_tree_head(TreeHead(ORIGIN, 2, ROOT, 1_700_000_000_000), KEY)


def test_checkpoint_text_is_exactly_the_documented_note() -> None:
    text = STH.to_text()
    body = f"{ORIGIN}\n2\n{base64.b64encode(ROOT).decode()}\ntime 1700000000000\n"
    blob = base64.b64encode(key_id(ORIGIN, KEY.public_key()) + STH.signature).decode()
    assert text == body + "\n" + f"\u2014 {ORIGIN} {blob}\n"
    KEY.public_key().verify(STH.signature, body.encode())
    assert SignedTreeHead.from_text(text) == STH
    verify_tree_head(STH, KEY.public_key())


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("\n2\n", "\n3\n", 1),  # another size
        lambda t: t.replace("time 1700000000000", "time 1700000000001"),  # another time
        lambda t: t.replace(ORIGIN + "\n", "cec.shailoo.kg/other\n", 1),  # another log
    ],
)
def test_edited_checkpoint_does_not_verify(edit) -> None:  # type: ignore[no-untyped-def]
    edited = edit(STH.to_text())
    with pytest.raises(InvalidCheckpointError):
        verify_tree_head(SignedTreeHead.from_text(edited), KEY.public_key())


@pytest.mark.parametrize(
    "bad",
    [
        lambda t: t.replace("\n2\n", "\n02\n", 1),  # leading zero
        lambda t: t.replace("\n2\n", "\n-2\n", 1),
        lambda t: t.replace("time ", "time  "),
        lambda t: t.rstrip("\n"),  # no final newline
        lambda t: t.replace("\n\n", "\n"),  # no blank line before the signatures
        lambda t: t.replace("\u2014", "-"),  # not an em dash
        lambda t: t.replace(base64.b64encode(ROOT).decode(), base64.b64encode(ROOT[:31]).decode()),
        lambda t: t.split("\n\n")[0] + "\n\n",  # no signature line
    ],
)
def test_malformed_checkpoint_refused(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidCheckpointError) as caught:
        SignedTreeHead.from_text(bad(STH.to_text()))
    assert caught.value.code == "invalid_checkpoint"


def test_checkpoint_under_another_key_refused() -> None:
    with pytest.raises(InvalidCheckpointError):
        verify_tree_head(STH, Ed25519PrivateKey.generate().public_key())


def test_promise_round_trip_and_tamper() -> None:
    entry_hash = merkle.leaf_hash(b"ballot")
    promise = sign_promise(ORIGIN, 41, entry_hash, 1_700_000_000_123, KEY)
    assert promise.to_text().startswith(f"shailoo-promise/v1\n{ORIGIN}\n41\n")
    assert SignedPromise.from_text(promise.to_text()) == promise
    verify_promise(promise, KEY.public_key())
    moved = SignedPromise(ORIGIN, 42, entry_hash, promise.timestamp, promise.signature, promise.key_id)
    with pytest.raises(InvalidCheckpointError):
        verify_promise(moved, KEY.public_key())
    with pytest.raises(InvalidCheckpointError):
        verify_promise(promise, Ed25519PrivateKey.generate().public_key())


def test_cosignature_binds_the_head_and_the_time() -> None:
    witness = Ed25519PrivateKey.generate()
    cos = cosign(STH.head, "observer.example", witness, 1_700_000_000_500)
    verify_cosignature(cos, STH.head, witness.public_key())
    other = TreeHead(ORIGIN, 2, merkle.leaf_hash(b"forged"), STH.timestamp)
    with pytest.raises(InvalidCheckpointError):
        verify_cosignature(cos, other, witness.public_key())
    with pytest.raises(InvalidCheckpointError):
        verify_cosignature(cos, STH.head, KEY.public_key())


def test_bad_names_refused() -> None:
    with pytest.raises(InvalidCheckpointError):
        TreeHead("has space", 1, ROOT, 0)
    with pytest.raises(InvalidCheckpointError):
        TreeHead("a+b", 1, ROOT, 0)

"""Entries: leaf bytes are RFC 8785 canonical JSON of {index, kind, payload}; bad entries never parse."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin_board import merkle
from bulletin_board.entries import (
    MAX_PAYLOAD_BYTES,
    Entry,
    EntryKind,
    PayloadValidators,
    canonical_payload,
    payload_hash,
)
from bulletin_board.errors import InvalidEntryError
from bulletin_board.log import BulletinBoard
from crypto.canonical import canonical_json
from crypto.errors import ShailooError

json_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
payloads = st.dictionaries(st.text(max_size=8), json_values, max_size=6)


@settings(max_examples=150, deadline=None)
@given(index=st.integers(0, 2**40), kind=st.sampled_from(list(EntryKind)), payload=payloads)
def test_leaf_bytes_are_the_canonical_json_of_the_entry(index: int, kind: EntryKind, payload: dict[str, Any]) -> None:
    entry = Entry.create(index, kind, payload)
    assert entry.leaf_bytes == canonical_json({"index": index, "kind": kind.value, "payload": payload})
    assert entry.entry_hash == merkle.leaf_hash(entry.leaf_bytes)
    assert Entry.from_leaf_bytes(entry.leaf_bytes) == entry
    assert entry.payload == payload


def test_known_leaf_bytes() -> None:
    entry = Entry.create(7, "ballot", {"z": [1, "é"], "a": None})
    assert entry.leaf_bytes == '{"index":7,"kind":"ballot","payload":{"a":null,"z":[1,"é"]}}'.encode()


@pytest.mark.parametrize(
    "leaf",
    [
        b'{"kind":"ballot","index":1,"payload":{}}',  # keys out of order
        b'{"index":1, "kind":"ballot","payload":{}}',  # a space
        b'{"index":1,"kind":"ballot","payload":{},"extra":1}',
        b'{"index":1,"kind":"ballot"}',
        b'{"index":"1","kind":"ballot","payload":{}}',
        b'{"index":-1,"kind":"ballot","payload":{}}',
        b'{"index":true,"kind":"ballot","payload":{}}',
        b'{"index":1,"kind":"vote","payload":{}}',
        b'{"index":1,"kind":"ballot","payload":[]}',
        b'{"index":1,"kind":"ballot","payload":{"x":1.0}}',
        b'{"index":1,"kind":"ballot","payload":{"x":1e3}}',
        b'\xff{"index":1}',
        b"[]",
    ],
)
def test_non_canonical_or_malformed_leaf_refused(leaf: bytes) -> None:
    with pytest.raises(InvalidEntryError) as caught:
        Entry.from_leaf_bytes(leaf)
    assert caught.value.code == "invalid_entry"


def test_floats_refused_at_any_depth() -> None:
    with pytest.raises(InvalidEntryError):
        canonical_payload({"a": [{"b": [0.5]}]})


def test_absurd_nesting_refused_not_crashed() -> None:
    deep: Any = {}
    for _ in range(100_000):
        deep = {"x": deep}
    with pytest.raises(InvalidEntryError):
        canonical_payload(deep)


def test_oversized_payload_refused() -> None:
    with pytest.raises(InvalidEntryError):
        canonical_payload({"x": "a" * MAX_PAYLOAD_BYTES})


def test_payload_hash_ignores_index_and_key_order() -> None:
    assert payload_hash("ballot", {"a": 1, "b": 2}) == payload_hash("ballot", {"b": 2, "a": 1})
    assert payload_hash("ballot", {"a": 1}) != payload_hash("spoiled_ballot", {"a": 1})
    assert Entry.create(3, "ballot", {"a": 1}).payload_hash == payload_hash("ballot", {"a": 1})


class _TooManyContestsError(ShailooError):
    code = "too_many_contests"


def test_payload_validator_refusal_keeps_its_code(open_board_storage, log_key) -> None:  # type: ignore[no-untyped-def]
    validators = PayloadValidators()

    def check_manifest(payload: Any) -> None:
        if len(payload.get("contests", [])) > 2:
            raise _TooManyContestsError("at most two contests")

    validators.register("manifest", check_manifest)
    board = BulletinBoard(open_board_storage(), log_key, origin="cec.shailoo.kg/t", validators=validators)
    with pytest.raises(InvalidEntryError) as caught:
        board.append("manifest", {"contests": [1, 2, 3]})
    assert caught.value.code == "too_many_contests"
    assert board.size == 0
    board.append("manifest", {"contests": [1]})
    assert board.size == 1

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


def test_encrypted_tally_has_its_own_larger_payload_limit() -> None:
    """The 2021 parliamentary tally (~5.8 MB) fits; a ballot of that size, or a tally above its own limit, does not."""
    from bulletin_board.entries import max_payload_bytes

    big = {"x": "a" * (6 * 1024 * 1024)}
    assert Entry.create(1, "encrypted_tally", big).kind is EntryKind.ENCRYPTED_TALLY
    with pytest.raises(InvalidEntryError):
        Entry.create(1, "ballot", big)
    with pytest.raises(InvalidEntryError):
        canonical_payload({"x": "a" * max_payload_bytes(EntryKind.ENCRYPTED_TALLY)}, EntryKind.ENCRYPTED_TALLY)


def test_decryption_shares_are_split_into_parts_of_bounded_size() -> None:
    from bulletin_board.entries import DECRYPTION_SHARES_PER_PART, decryption_share_part, decryption_share_parts

    assert decryption_share_parts(0) == 1
    assert decryption_share_parts(DECRYPTION_SHARES_PER_PART) == 1
    assert decryption_share_parts(DECRYPTION_SHARES_PER_PART + 1) == 2
    positions = list(range(2 * DECRYPTION_SHARES_PER_PART + 5))
    rebuilt = [
        p for part in range(decryption_share_parts(len(positions))) for p in positions[decryption_share_part(part)]
    ]
    assert rebuilt == positions
    # A part's JSON (202 hex characters a share) stays well under the board's default limit and a request body.
    assert min(MAX_PAYLOAD_BYTES, 2_000_000) > DECRYPTION_SHARES_PER_PART * 205

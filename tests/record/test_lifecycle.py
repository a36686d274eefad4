"""The election's course entries (record.lifecycle): one definition each, round trips, strict reading."""

from __future__ import annotations

from typing import Any

import pytest

from crypto.elgamal import encrypt
from crypto.errors import ShailooError
from crypto.group import Point, Scalar
from crypto.threshold import compute_decryption_shares
from record.lifecycle import ChannelsOpen, Close, DecryptionSharePart, IssuanceCounts, ResultEntry

CONTEXT = b"\x07" * 32


def shares_of(trustee: int, count: int = 2) -> tuple[Any, ...]:
    key = Point.base_mul(Scalar(99))
    cts = [encrypt(key, 1, Scalar(5 + i)) for i in range(count)]
    return tuple(compute_decryption_shares(CONTEXT, trustee, Scalar(41 + trustee), cts))


def test_every_course_entry_round_trips() -> None:
    values = [
        ChannelsOpen(("app", "kiosk"), bytes(32)),
        IssuanceCounts("e", {"s-1": 2}, ("aa", "bb")),
        Close("e", 17, "2026-01-10T14:00:00Z"),
        Close("e", 17, "2026-01-10T11:00:00Z", "the precinct was flooded"),
        DecryptionSharePart(2, 40, 0, 1, shares_of(2), "00" * 64),
        ResultEntry("e", 40, (1, 3), {}, {"s-1": {"c": (1, 2)}}, {}, {"contests": {}}, {"contests": []}, bytes(32)),
    ]
    for value in values:
        assert type(value).from_payload(value.to_payload()) == value  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("reader", "payload", "path"),
    [
        (
            ChannelsOpen.from_payload,
            {"channels": ["app", 7], "election_base_hash": "00" * 32},
            "$(channels_open).channels[1]",
        ),
        (
            ChannelsOpen.from_payload,
            {"channels": ["kiosk", "app"], "election_base_hash": "00" * 32},
            "$(channels_open).channels",
        ),
        (
            IssuanceCounts.from_payload,
            {"election_id": "e", "counts": {"s": True}, "voter_hashes": []},
            "$(issuance).counts.s",
        ),
        (
            Close.from_payload,
            {
                "election_id": "e",
                "entries_before_close": "17",
                "closed_at": "2026-01-10T14:00:00Z",
                "early_close_reason": None,
            },
            "$(close).entries_before_close",
        ),
        (
            Close.from_payload,
            {
                "election_id": "e",
                "entries_before_close": 17,
                "closed_at": "2026-01-10 14:00:00",
                "early_close_reason": None,
            },
            "$(close).closed_at",
        ),
        (
            DecryptionSharePart.from_payload,
            {"trustee": 1, "tally_entry": 4, "part": 1, "parts": 1, "shares": []},
            "$(decryption_share).part",
        ),
    ],
)
def test_a_bad_field_is_refused_with_its_path(reader: Any, payload: dict[str, Any], path: str) -> None:
    with pytest.raises(ShailooError) as refused:
        reader(payload)
    assert refused.value.code == "malformed"
    assert refused.value.message.startswith(path + ":"), refused.value.message


def test_a_share_in_another_trustees_name_is_refused() -> None:
    payload = DecryptionSharePart(1, 4, 0, 1, shares_of(2)).to_payload()
    with pytest.raises(ShailooError) as refused:
        DecryptionSharePart.from_payload(payload)
    assert "$(decryption_share).shares[0]" in refused.value.message
    assert "not trustee 1's" in refused.value.message

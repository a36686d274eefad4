"""A device's registration (record.devices): one definition, strict keys, every reader goes through it."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signing
from crypto.errors import ShailooError
from record.devices import DeviceRecord

GOOD = signing.public_key_bytes(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
NEUTRAL = bytes.fromhex("01" + "00" * 31)


def test_a_registration_round_trips() -> None:
    for record in (DeviceRecord("urn-1", "urn", "pr0001", GOOD), DeviceRecord("t-1", "identification", None, GOOD)):
        assert DeviceRecord.from_payload(record.payload()) == record


@pytest.mark.parametrize(
    ("payload", "code", "path"),
    [
        ({"device_id": "t", "role": "identification", "public_key": NEUTRAL.hex()}, "invalid_point", "public_key"),
        ({"device_id": "t", "role": "identification", "public_key": GOOD.hex()[:-2]}, "non_canonical", "public_key"),
        ({"device_id": "u", "role": "urn", "public_key": GOOD.hex()}, "malformed", "$(device_key)"),
        ({"device_id": "u", "role": "printer", "public_key": GOOD.hex()}, "malformed", "role"),
        ({"device_id": 7, "role": "identification", "public_key": GOOD.hex()}, "malformed", "device_id"),
    ],
    ids=["neutral-key", "short-key", "urn-without-precinct", "unknown-role", "id-not-text"],
)
def test_a_bad_registration_is_refused_with_a_code_and_its_path(
    payload: dict[str, object], code: str, path: str
) -> None:
    with pytest.raises(ShailooError) as refused:
        DeviceRecord.from_payload(payload)
    assert refused.value.code == code
    assert path in refused.value.message

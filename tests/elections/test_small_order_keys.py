"""Every Ed25519 key the manifest pins — a trustee's identity key, the registrar's key (and a witness's, in
test_witness_roster.py) — is refused when it is of small order: under the neutral point (R = neutral, S = 0) verifies
every message, so a trustee's posts or the register counts could be forged by anyone."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from elections.errors import ManifestError
from elections.manifest import TrusteeRosterEntry
from elections.presets import build_preset

NEUTRAL_KEY = "01" + "00" * 31
#: The point of order 2 (y = −1), another of the eight small-order encodings.
ORDER_TWO_KEY = "ec" + "ff" * 30 + "7f"


@pytest.mark.parametrize("key", [NEUTRAL_KEY, ORDER_TWO_KEY], ids=["neutral", "order-2"])
def test_a_trustee_roster_key_of_small_order_is_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="small order"):
        TrusteeRosterEntry(index=1, name="Trustee One", public_key=key)


@pytest.mark.parametrize("key", [NEUTRAL_KEY, ORDER_TWO_KEY], ids=["neutral", "order-2"])
def test_a_registrar_key_of_small_order_is_refused(key: str) -> None:
    with pytest.raises(ManifestError, match="small order"):
        build_preset("president").with_registrar_key(bytes.fromhex(key))

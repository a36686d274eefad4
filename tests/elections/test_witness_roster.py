"""The manifest's witness roster: witnesses pinned by name and Ed25519 key, hashed only when present."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from elections.errors import ManifestError
from elections.manifest import Manifest, WitnessRosterEntry
from elections.presets import build_preset


def _key_hex() -> str:
    return Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


ROSTER = (
    WitnessRosterEntry(name="witness.osce.test", public_key=_key_hex()),
    WitnessRosterEntry(name="witness.university.kg", public_key=_key_hex()),
)
#: The neutral point's encoding: a small-order key under which (R = neutral, S = 0) verifies every message.
NEUTRAL_KEY = "01" + "00" * 31


def test_an_empty_witness_roster_keeps_the_manifest_hash() -> None:
    plain = build_preset("president")
    assert "witnesses" not in plain.to_canonical_dict()
    assert Manifest.from_dict(plain.to_canonical_dict()).manifest_hash() == plain.manifest_hash()


def test_the_witness_roster_is_hashed_and_read_back() -> None:
    manifest = build_preset("president").with_witnesses(ROSTER)
    assert manifest.manifest_hash() != build_preset("president").manifest_hash()
    again = Manifest.from_dict(manifest.to_canonical_dict())
    assert again.witnesses == ROSTER and again.manifest_hash() == manifest.manifest_hash()
    assert manifest.witness_keys() == {w.name: bytes.fromhex(w.public_key) for w in ROSTER}


@pytest.mark.parametrize(
    "roster",
    [
        (ROSTER[0], ROSTER[0].model_copy(update={"public_key": ROSTER[1].public_key})),  # one name twice
        (ROSTER[0], ROSTER[1].model_copy(update={"public_key": ROSTER[0].public_key})),  # one key twice
    ],
)
def test_an_ambiguous_witness_roster_is_refused(roster: tuple[WitnessRosterEntry, ...]) -> None:
    with pytest.raises(ManifestError):
        build_preset("president").with_witnesses(roster)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("witness.osce.test", NEUTRAL_KEY),  # small order: refused by crypto.signing.decode_public_key
        ("witness.osce.test", "ff" * 32),  # not a point
        ("witness.osce.test", ROSTER[0].public_key.upper()),  # not lowercase
        ("witness osce", ROSTER[0].public_key),  # a space cannot be a signed-note name
        ("witness+osce", ROSTER[0].public_key),  # nor a "+"
        ("", ROSTER[0].public_key),
    ],
)
def test_a_witness_entry_with_a_bad_key_or_name_is_refused(name: str, key: str) -> None:
    data = build_preset("president").to_canonical_dict()
    with pytest.raises(ManifestError):
        Manifest.from_dict({**data, "witnesses": [{"name": name, "public_key": key}]})

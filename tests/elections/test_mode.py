"""The manifest's election mode (policy.mode): absent means homomorphic and keeps the manifest's hash; the
coercion-resistant mode is hashed and needs mixing."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from elections.errors import ManifestError
from elections.manifest import Manifest, TrusteeRosterEntry
from elections.presets import build_preset
from record.trustee_posts import identity_public_hex

KEYS = [Ed25519PrivateKey.from_private_bytes(bytes([60 + i]) * 32) for i in range(2)]


def _data() -> dict:  # type: ignore[type-arg]
    data = build_preset("president").model_dump(mode="json")
    data["trustees"] = [
        TrusteeRosterEntry(index=i + 1, name=f"T{i + 1}", public_key=identity_public_hex(k)).model_dump()
        for i, k in enumerate(KEYS)
    ]
    data["trustee_threshold"] = 2
    data["policy"]["mixing_trustees_required"] = 2
    return data


def test_absent_mode_is_homomorphic_and_keeps_the_hash() -> None:
    data = _data()
    data["policy"].pop("mode")
    absent = Manifest.from_dict(data)
    assert absent.policy.mode == "homomorphic" and not absent.policy.coercion_resistant
    assert "mode" not in absent.to_canonical_dict()["policy"]
    explicit = Manifest.from_dict({**data, "policy": {**data["policy"], "mode": "homomorphic"}})
    assert explicit.manifest_hash() == absent.manifest_hash()


def test_the_coercion_resistant_mode_is_hashed() -> None:
    data = _data()
    homomorphic = Manifest.from_dict(data)
    data["policy"]["mode"] = "coercion_resistant"
    cr = Manifest.from_dict(data)
    assert cr.policy.coercion_resistant
    assert cr.to_canonical_dict()["policy"]["mode"] == "coercion_resistant"
    assert cr.manifest_hash() != homomorphic.manifest_hash()


def test_the_coercion_resistant_mode_needs_mixing() -> None:
    data = _data()
    data["policy"]["mode"] = "coercion_resistant"
    data["policy"]["mixing_trustees_required"] = None
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)


def test_an_unknown_mode_is_refused() -> None:
    data = _data()
    data["policy"]["mode"] = "coercion-resistant"
    with pytest.raises(ManifestError):
        Manifest.from_dict(data)

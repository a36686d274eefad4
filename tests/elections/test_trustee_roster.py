"""The manifest's trustee roster and the signatures on trustee posts (`record.trustee_posts`)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from elections.errors import ManifestError, TrusteeUnauthenticatedError
from elections.manifest import Manifest, TrusteeRosterEntry
from elections.presets import build_preset
from record.trustee_posts import check_trustee_post, identity_public_hex, sign_trustee_post

KEYS = [Ed25519PrivateKey.generate() for _ in range(3)]
ROSTER = tuple(
    TrusteeRosterEntry(index=i, name=f"Trustee {i}", public_key=identity_public_hex(k)) for i, k in enumerate(KEYS, 1)
)


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return build_preset("president").with_trustees(ROSTER, 2)


def test_an_empty_roster_keeps_the_manifest_hash() -> None:
    plain = build_preset("president")
    assert "trustees" not in plain.to_canonical_dict()
    assert Manifest.from_dict(plain.to_canonical_dict()).manifest_hash() == plain.manifest_hash()


def test_the_roster_is_hashed(manifest: Manifest) -> None:
    assert manifest.manifest_hash() != build_preset("president").manifest_hash()
    assert Manifest.from_dict(manifest.to_canonical_dict()).trustees == manifest.trustees
    assert manifest.to_canonical_dict()["trustee_threshold"] == 2


@pytest.mark.parametrize(
    ("roster", "threshold"),
    [
        (ROSTER[1:], 2),  # indices not starting at 1
        ((ROSTER[0], ROSTER[2]), 1),  # a gap
        ((ROSTER[0], ROSTER[1].model_copy(update={"public_key": ROSTER[0].public_key})), 1),  # shared key
        (ROSTER, 4),  # k > n
        (ROSTER, 0),  # k < 1
    ],
)
def test_an_inconsistent_roster_is_refused(roster: tuple[TrusteeRosterEntry, ...], threshold: int) -> None:
    with pytest.raises(ManifestError):
        build_preset("president").with_trustees(roster, threshold)


def test_a_threshold_without_a_roster_is_refused() -> None:
    data = build_preset("president").to_canonical_dict()
    with pytest.raises(ManifestError):
        Manifest.from_dict({**data, "trustee_threshold": 2})


def test_a_signed_post_checks_and_names_its_trustee(manifest: Manifest) -> None:
    payload = sign_trustee_post(KEYS[1], manifest.manifest_hash(), "trustee_share", {"sender": 2, "shares": []})
    assert check_trustee_post(manifest, "trustee_share", payload) == 2


@pytest.mark.parametrize(
    "attack",
    ["another_trustees_key", "retitled_kind", "moved_to_another_trustee", "altered_payload", "unsigned"],
)
def test_a_post_that_is_not_the_rosters_trustee_is_refused(manifest: Manifest, attack: str) -> None:
    key, kind, payload = KEYS[1], "complaint", {"complainer": 2, "complaints": []}
    if attack == "another_trustees_key":
        key = KEYS[0]
    signed = sign_trustee_post(key, manifest.manifest_hash(), kind, payload)
    if attack == "retitled_kind":
        signed = {**signed, "sender": 2}
        kind = "trustee_share"
    elif attack == "moved_to_another_trustee":
        signed = {**signed, "complainer": 3}
    elif attack == "altered_payload":
        signed = {**signed, "complaints": [{}]}
    elif attack == "unsigned":
        signed = payload
    with pytest.raises(TrusteeUnauthenticatedError):
        check_trustee_post(manifest, kind, signed)

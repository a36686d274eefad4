"""The JSON fixture manifests are the presets' canonical bytes, and their hashes are pinned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crypto.canonical import canonical_json
from elections.manifest import Manifest
from elections.presets import PRESET_NAMES, build_preset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"
HASHES = json.loads((FIXTURES / "manifest_hashes.json").read_text())


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_fixture_is_the_presets_canonical_json_with_the_pinned_hash(name: str) -> None:
    data = (FIXTURES / f"{name}.json").read_bytes()
    manifest = Manifest.from_json(data)
    assert manifest.manifest_hash().hex() == HASHES[name]
    assert build_preset(name).manifest_hash().hex() == HASHES[name]
    assert data == canonical_json(manifest.to_canonical_dict()) + b"\n"

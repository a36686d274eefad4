"""Rewrite tests/fixtures/manifests/ from the presets.

Run ``uv run --frozen python -m tests.elections.regenerate_fixtures`` only when a preset changes on
purpose; the fixture test then pins the new hashes.
"""

from __future__ import annotations

import json
from pathlib import Path

from crypto.canonical import canonical_json
from elections.presets import PRESET_NAMES, build_preset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"


def main() -> None:
    hashes = {}
    for name in PRESET_NAMES:
        manifest = build_preset(name)
        (FIXTURES / f"{name}.json").write_bytes(canonical_json(manifest.to_canonical_dict()) + b"\n")
        hashes[name] = manifest.manifest_hash().hex()
    (FIXTURES / "manifest_hashes.json").write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()

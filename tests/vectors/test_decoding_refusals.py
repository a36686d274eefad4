"""tests/vectors/decoding_refusals.json is what `make_decoding_refusals` builds today, and it refuses what it should.

The TypeScript core (web/core/test/refusals.test.ts) reads the same file and must give the same outcome for every
case: the two implementations agree on which encodings are refused and under which code.
"""

from __future__ import annotations

import json

from tests.vectors.make_decoding_refusals import PATH, build_vectors, render


def test_the_file_is_what_the_code_builds() -> None:
    regenerate = "regenerate: uv run --frozen python -m tests.vectors.make_decoding_refusals"
    assert PATH.read_text(encoding="utf-8") == render(), regenerate


def test_every_section_has_refusals_and_acceptances() -> None:
    doc = json.loads(PATH.read_text(encoding="utf-8"))
    assert doc == build_vectors()
    for section in ("point", "scalar", "ed25519_public_key", "contest"):
        outcomes = {case["outcome"] for case in doc[section]}
        assert "accepted" in outcomes and len(outcomes) >= 2, section
    codes = {case["name"]: case["outcome"] for case in doc["point"]}
    assert codes["identity (33 zero bytes)"] == "invalid_point"
    assert codes["x not on the curve"] == "invalid_point"
    assert codes["uncompressed prefix 04"] == "non_canonical"
    assert all(c["outcome"] == "invalid_point" for c in doc["ed25519_public_key"] if c["name"].startswith("small"))

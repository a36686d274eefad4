"""The 2021 parliamentary election (37 ballot styles × ~1,160 selections): its tally fits the board and its
decryption shares come in parts small enough for the board and for a request body; the whole demo (slow) runs
and verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bulletin_board.entries import (
    DECRYPTION_SHARES_PER_PART,
    MAX_PAYLOAD_BYTES,
    Entry,
    EntryKind,
    canonical_payload,
    decryption_share_parts,
)
from cli.main import app
from elections.presets import build_preset
from record.tally import aggregate

#: Bytes of one share in a decryption_share payload: 135 bytes as hex, quotes and a comma.
_SHARE_JSON_BYTES = 2 * 135 + 3


def test_the_2021_tally_fits_the_board_and_its_shares_fit_a_request_in_parts() -> None:
    manifest = build_preset("parliament-2021")
    tally = aggregate(manifest, [])
    payload = {**tally.to_json(), "superseded": [], "refused_second": [], "registered_by_region": {}}
    size = len(canonical_payload(payload, EntryKind.ENCRYPTED_TALLY))
    assert size > MAX_PAYLOAD_BYTES  # the reason the encrypted tally has its own limit
    assert Entry.create(40, EntryKind.ENCRYPTED_TALLY, payload).kind is EntryKind.ENCRYPTED_TALLY
    # With a ballot in every style, every ciphertext is decryptable: the worst case for the trustees.
    positions = len(tally.ciphertexts())
    parts = decryption_share_parts(positions)
    assert parts == -(-positions // DECRYPTION_SHARES_PER_PART) and parts > 1
    assert DECRYPTION_SHARES_PER_PART * _SHARE_JSON_BYTES + 1024 < 2_000_000  # the server's default body limit


PRESET_REGIONS = build_preset("parliament-2021").rules.party_list.regional_threshold_region_ids  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_2021_parliamentary_demo_finishes_and_verifies(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--preset", "parliament-2021", "--voters", "4", "--issuer-bits", "2048", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "The decrypted totals equal the choices the simulated voters made" in result.output
    report = json.loads((out / "verification.json").read_text())
    assert report["passed"] is True and report["counts"]["fail"] == 0
    # 4 ballots are fewer than the minimum cell: no region publishes counts of its own, so the regional threshold
    # reads none of them and the result names them all (docs/rules.md, "Small regions and the regional threshold").
    results = json.loads((out / "results.json").read_text())
    party_list = next(c for c in results["contests"] if c["kind"] == "party_list")
    assert sorted(party_list["suppressed_regions"]) == sorted(PRESET_REGIONS)
    assert all(p["failed_regions"] == [] for p in party_list["parties"])
    assert "regional_threshold_over_published_regions" in party_list["applied"]

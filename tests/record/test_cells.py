"""Small precinct cells are never decrypted (record.tally.publishable / check_minimum_cells)."""

from __future__ import annotations

import pytest

from crypto.contest import encrypt_contest
from crypto.errors import ShailooError
from crypto.group import Point, Scalar
from elections.presets import build_preset
from record.tally import CountedItem, aggregate, check_minimum_cells, publishable

MANIFEST = build_preset("president")
KEY = Point.base_mul(Scalar(0xCE11))


def items(precinct: str, count: int, style: str = "s-batken") -> list[CountedItem]:
    contest = MANIFEST.contest(MANIFEST.ballot_style(style).contest_ids[0])
    found = []
    for i in range(count):
        vector = [1] + [0] * (len(contest.selections) - 1)
        encrypted, _ = encrypt_contest(bytes(32), KEY, vector, contest.min_marks, contest.max_marks)
        found.append(CountedItem(i, style, precinct, ((contest.contest_id, encrypted),)))
    return found


def test_a_precinct_below_the_minimum_is_left_out_and_still_counts_in_its_style() -> None:
    assert MANIFEST.policy.minimum_cell == 10  # the documented default
    full = aggregate(MANIFEST, [*items("pr0001", 10), *items("pr0002", 3)])
    kept = publishable(MANIFEST, full)
    assert [g.key for g in kept.precincts] == ["pr0001"]
    assert {g.key: g.ballots for g in kept.styles}["s-batken"] == 13
    assert kept.ballots_counted == 13
    check_minimum_cells(MANIFEST, kept)
    with pytest.raises(ShailooError) as refused:
        check_minimum_cells(MANIFEST, full)
    assert refused.value.code == "cell_below_minimum" and "pr0002" in refused.value.message


def test_the_minimum_is_the_manifests_and_leaves_old_manifest_hashes_alone() -> None:
    policy = MANIFEST.policy.model_copy(update={"min_cell_ballots": 3})
    lowered = MANIFEST.model_copy(update={"policy": policy})
    assert [g.key for g in publishable(lowered, aggregate(lowered, items("pr0002", 3))).precincts] == ["pr0002"]
    assert "min_cell_ballots" not in MANIFEST.to_canonical_dict()["policy"]
    assert lowered.to_canonical_dict()["policy"]["min_cell_ballots"] == 3

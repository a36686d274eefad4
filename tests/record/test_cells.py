"""Small precinct and ballot-style cells are never decrypted (record.tally.publishable / check_minimum_cells)."""

from __future__ import annotations

import pytest

from crypto.contest import encrypt_contest
from crypto.elgamal import decrypt_to_point
from crypto.errors import ShailooError
from crypto.group import Point, Scalar
from elections.presets import build_preset
from elections.results import compute_results_by_style
from record.tally import (
    CountedItem,
    EncryptedTally,
    TallyGroup,
    aggregate,
    check_minimum_cells,
    publishable,
    turnout_from_tally,
)

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


def _count(tally_group: TallyGroup, contest_id: str) -> list[int]:
    """Decrypt a group's sums with the test key (small counts: a linear search)."""
    counts = []
    for ct in tally_group.contest(contest_id):
        point = decrypt_to_point(ct, Scalar(0xCE11))
        counts.append(next(m for m in range(100) if (Point.base_mul(m) if m else Point.identity()) == point))
    return counts


def test_a_single_abroad_ballot_is_merged_before_anyone_decrypts_and_still_counts() -> None:
    """The attack of finding 1: one ballot of style ``s-abroad`` was decrypted and published on its own. Now the
    style is merged upward (its region alone is below the minimum, so into ``nation``, which takes the smallest
    region at or above the minimum in, whole); the trustees' check refuses the unmerged tally; the counts and the
    turnout are unchanged."""
    full = aggregate(MANIFEST, [*items("pr0001", 12), *items("pr0002", 1, style="s-abroad")])
    with pytest.raises(ShailooError) as refused:
        check_minimum_cells(MANIFEST, full)
    assert refused.value.code == "cell_below_minimum" and "s-abroad" in refused.value.message
    kept = publishable(MANIFEST, full)
    check_minimum_cells(MANIFEST, kept)
    decrypted = [g for g in kept.styles if g.ballots > 0]
    assert [(g.key, g.ballots) for g in decrypted] == [("nation", 13)]
    # Every region below the minimum goes to the nation cell whole, its empty styles too (so it keeps no counts).
    assert [m for m in decrypted[0].members if m[1]] == [("s-abroad", 1), ("s-batken", 12)]
    assert {m for m, n in decrypted[0].members} == {s.style_id for s in MANIFEST.ballot_styles}
    assert all(g.ballots == 0 or g.ballots >= 10 for g in kept.styles)
    assert _count(decrypted[0], "president")[0] == 13
    assert turnout_from_tally(MANIFEST, kept, {}) == turnout_from_tally(MANIFEST, full, {})
    assert EncryptedTally.from_json(kept.to_json()) == kept


def test_small_styles_of_one_region_make_a_region_cell() -> None:
    manifest = build_preset("parliament-2021")
    bishkek = [s.style_id for s in manifest.ballot_styles if s.region_id == "bishkek"]

    def cast(style: str, count: int) -> list[CountedItem]:
        contest = manifest.contest(manifest.ballot_style(style).contest_ids[0])
        vector = [1] + [0] * (len(contest.selections) - 1)
        encrypted, _ = encrypt_contest(bytes(32), KEY, vector, contest.min_marks, contest.max_marks)
        return [CountedItem(i, style, None, ((contest.contest_id, encrypted),)) for i in range(count)]

    kept = publishable(manifest, aggregate(manifest, [*cast(bishkek[0], 6), *cast(bishkek[1], 5)]))
    check_minimum_cells(manifest, kept)
    cells = [g for g in kept.styles if g.ballots > 0]
    assert [(g.key, g.ballots) for g in cells] == [("region:bishkek", 11)]


def test_an_election_smaller_than_the_minimum_decrypts_only_its_total() -> None:
    kept = publishable(MANIFEST, aggregate(MANIFEST, [*items("pr0001", 2), *items("pr0002", 1, style="s-abroad")]))
    check_minimum_cells(MANIFEST, kept)
    assert [(g.key, g.ballots) for g in kept.styles if g.ballots] == [("nation", 3)]


def test_results_count_a_merged_cell_in_the_totals_and_its_region() -> None:
    turnout = turnout_from_tally(
        MANIFEST, aggregate(MANIFEST, [*items("pr0001", 12), *items("pr0002", 1, style="s-abroad")]), {}
    )
    selections = len(MANIFEST.contest("president").selections)
    votes = [13] + [0] * (selections - 1)
    by_nation = compute_results_by_style(MANIFEST, {"nation": {"president": votes}}, turnout)
    by_style = compute_results_by_style(
        MANIFEST,
        {
            "s-batken": {"president": [12] + [0] * (selections - 1)},
            "s-abroad": {"president": [1] + [0] * (selections - 1)},
        },
        turnout,
    )
    assert by_nation.contests[0].selections == by_style.contests[0].selections


PARLIAMENT = build_preset("parliament-2021")


def _styles_of(region: str) -> list[str]:
    return [s.style_id for s in PARLIAMENT.ballot_styles if s.region_id == region]


def _party_ballots(style: str, count: int) -> list[CountedItem]:
    """``count`` ballots of ``style`` marking the first party of the list contest."""
    contest = PARLIAMENT.contest("party-list")
    vector = [1] + [0] * (len(contest.selections) - 1)
    encrypted, _ = encrypt_contest(bytes(32), KEY, vector, contest.min_marks, contest.max_marks)
    return [CountedItem(i, style, None, (("party-list", encrypted),)) for i in range(count)]


def _counts_as_cast(tally: EncryptedTally) -> dict[str, dict[str, list[int]]]:
    """What the trustees would decrypt from ``tally`` of `_party_ballots`: each group's ballots on the first party."""
    out: dict[str, dict[str, list[int]]] = {}
    for group in tally.styles:
        out[group.key] = {}
        for contest_id, cts in group.contests:
            first = group.ballots if contest_id == "party-list" else 0
            out[group.key][contest_id] = [first] + [0] * (len(cts) - 1)
    return out


def test_a_region_is_never_split_between_its_own_cell_and_the_nation_cell() -> None:
    """Bishkek has 12 ballots of one style and 3 of another: its small cell takes in its large style, so the
    region's counts stay whole (merging the 3 into ``nation`` would publish 12 of Bishkek's 15 as Bishkek's)."""
    bishkek, osh = _styles_of("bishkek"), _styles_of("osh-city")
    kept = publishable(
        PARLIAMENT,
        aggregate(
            PARLIAMENT,
            [*_party_ballots(bishkek[0], 12), *_party_ballots(bishkek[1], 3), *_party_ballots(osh[0], 11)],
        ),
    )
    check_minimum_cells(PARLIAMENT, kept)
    assert [(g.key, g.ballots) for g in kept.styles if g.ballots] == [("region:bishkek", 15), (osh[0], 11)]
    results = compute_results_by_style(PARLIAMENT, _counts_as_cast(kept), turnout_from_tally(PARLIAMENT, kept, {}))
    party_list = results.contest("party-list")
    assert party_list.suppressed_regions == {}
    assert "suppressed_regions" not in results.to_canonical_dict()["contests"][0]


def test_a_region_below_the_minimum_is_suppressed_and_the_regional_threshold_reads_the_others() -> None:
    """The lead's rule for the 2021 list threshold: Batken's single ballot is decrypted only inside ``nation``
    (which takes in the smallest region at or above the minimum, Bishkek, whole); the threshold is evaluated over
    the regions that publish counts, and the result names the suppressed regions with their reasons."""
    batken, bishkek, osh = _styles_of("batken"), _styles_of("bishkek"), _styles_of("osh-city")
    kept = publishable(
        PARLIAMENT,
        aggregate(
            PARLIAMENT,
            [*_party_ballots(batken[0], 1), *_party_ballots(bishkek[0], 11), *_party_ballots(osh[0], 12)],
        ),
    )
    check_minimum_cells(PARLIAMENT, kept)
    assert [(g.key, g.ballots) for g in kept.styles if g.ballots] == [("nation", 12), (osh[0], 12)]
    results = compute_results_by_style(PARLIAMENT, _counts_as_cast(kept), turnout_from_tally(PARLIAMENT, kept, {}))
    party_list = results.contest("party-list")
    small = "suppressed: fewer than min_cell_ballots counted ballots"
    taken_in = "suppressed: merged into the nation cell to bring the small regions up to min_cell_ballots"
    domestic = PARLIAMENT.rules.party_list.regional_threshold_region_ids  # type: ignore[union-attr]
    # Batken (1 ballot) and the regions with none are below the minimum; Osh city alone publishes its counts.
    assert party_list.suppressed_regions == {
        r: taken_in if r == "bishkek" else small for r in domestic if r != "osh-city"
    }
    assert "regional_threshold_over_published_regions" in party_list.applied
    # The threshold still bites where counts are published: every ballot marked the first list, so the second
    # list has 0 of Osh city's 12 and fails there alone.
    assert party_list.parties[0].failed_regions == () and party_list.parties[1].failed_regions == ("osh-city",)
    assert party_list.selections[0].votes == 24  # every ballot still counts
    assert results.to_canonical_dict()["contests"][0]["suppressed_regions"] == party_list.suppressed_regions

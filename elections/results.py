"""The rules engine's entry point: counts + turnout → `ElectionResults` (docs/elections.md, "Results").

``compute_results(manifest, counts, turnout, *, counts_by_region=None)`` takes the decrypted totals per contest
and selection (in `Contest.selections` order) and the turnout per contest. The 2021 list threshold also needs
per-region counts: the tally is computed per ballot style, every ballot style lies in one region, so
``compute_results_by_style`` sums the styles of a region and calls `compute_results` with both.
`check_results` recomputes and raises `ResultsMismatchError` if a published result differs (observers).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from elections.errors import CountsError, ResultsMismatchError
from elections.manifest import Contest, Manifest
from elections.results_model import (
    ContestResult,
    ContestTurnout,
    ElectionResults,
    Figures,
    Ratio,
    Turnout,
)
from elections.rules.candidates import parliament_district, presidential, reserved_women, single_member
from elections.rules.common import ContestInput
from elections.rules.proportional import party_list
from elections.rules.referendum import referendum_question

Counts = Mapping[str, Sequence[int]]

_RULES: dict[str, Callable[[ContestInput], ContestResult]] = {
    "presidential": presidential,
    "single_member_district": single_member,
    "parliament_district": parliament_district,
    "reserved_women_district": reserved_women,
    "referendum_question": referendum_question,
    "party_list": party_list,
}

__all__ = [
    "ContestResult",
    "ContestTurnout",
    "Counts",
    "ElectionResults",
    "Figures",
    "Ratio",
    "ResultsMismatchError",
    "Turnout",
    "check_results",
    "compute_results",
    "compute_results_by_style",
]


def compute_results(
    manifest: Manifest,
    counts: Counts,
    turnout: Turnout,
    *,
    counts_by_region: Mapping[str, Counts] | None = None,
    suppressed_regions: Collection[str] = (),
) -> ElectionResults:
    """Results of every contest of ``manifest``; `CountsError` if counts or turnout do not fit the manifest.

    ``suppressed_regions`` names the regions that publish no counts of their own (their counted ballots are
    below ``min_cell_ballots``, docs/spec/results.md "Suppressed regions"): a regional rule skips them and the
    result names them; any other region such a rule needs must have counts."""
    if set(counts) != {c.contest_id for c in manifest.contests}:
        raise CountsError("counts must cover exactly the manifest's contests")
    if stray := set(turnout.contests) - set(counts):
        raise CountsError(f"turnout names unknown contests {sorted(stray)}")
    regions = {r.region_id for r in manifest.regions}
    named = set(counts_by_region or {}).union(*(t.by_region for t in turnout.contests.values()))
    if stray := named - regions:
        raise CountsError(f"counts or turnout name unknown regions {sorted(stray)}")
    suppressed = frozenset(suppressed_regions)
    if unknown := suppressed - regions:
        raise CountsError(f"suppressed regions {sorted(unknown)} are not regions of the manifest")
    if both := suppressed & set(counts_by_region or {}):
        raise CountsError(f"regions {sorted(both)} are suppressed and have counts")
    results = []
    for contest in manifest.contests:
        figures = turnout.contests.get(contest.contest_id)
        if figures is None:
            raise CountsError(f"no turnout for contest {contest.contest_id!r}")
        votes = _checked_votes(contest, counts[contest.contest_id], figures, "")
        by_region = {
            region_id: _checked_votes(contest, region_counts[contest.contest_id], None, f" in region {region_id!r}")
            for region_id, region_counts in (counts_by_region or {}).items()
            if contest.contest_id in region_counts
        }
        _check_regions_within_total(contest, votes, by_region)
        data = ContestInput(manifest, contest, votes, figures, by_region, suppressed)
        results.append(_RULES[contest.kind](data))
    return ElectionResults(
        election_id=manifest.election_id, manifest_hash=manifest.manifest_hash().hex(), contests=tuple(results)
    )


def compute_results_by_style(
    manifest: Manifest, counts_by_style: Mapping[str, Counts], turnout: Turnout
) -> ElectionResults:
    """Sum the per-ballot-style tallies into totals and per-region counts, then `compute_results`.

    Every contest must appear in at least one style's counts; a style's counts cover exactly its contests. A
    merged cell of small styles (docs/spec/record.md §2.11, "Small cells") counts in the totals, and in its
    region's counts when it is ``region:<region_id>``; the ``nation`` cell counts in no region. When there is a
    ``nation`` cell, every region with no cell of its own is suppressed (its ballots, if any, are in ``nation``:
    `record.tally.merge_small_styles` never splits a region); without one, a region with no counts is an error
    wherever a rule needs it.
    """
    totals: dict[str, list[int]] = {c.contest_id: [0] * len(c.selections) for c in manifest.contests}
    by_region: dict[str, dict[str, list[int]]] = {}
    for style_id, style_counts in counts_by_style.items():
        region_id, contest_ids = _cell_scope(manifest, style_id, style_counts)
        if set(style_counts) != contest_ids:
            raise CountsError(f"counts of ballot style {style_id!r} must cover exactly its contests")
        region = by_region.setdefault(region_id, {}) if region_id is not None else {}
        for contest_id, vector in style_counts.items():
            contest = manifest.contest(contest_id)
            checked = _checked_votes(contest, vector, None, f" in ballot style {style_id!r}")
            _add(totals[contest_id], checked)
            _add(region.setdefault(contest_id, [0] * len(contest.selections)), checked)
    suppressed = {r.region_id for r in manifest.regions} - set(by_region) if NATION_CELL in counts_by_style else set()
    return compute_results(manifest, totals, turnout, counts_by_region=by_region, suppressed_regions=suppressed)


#: The keys of merged cells of small ballot styles in an encrypted tally and in ``counts_by_style``.
REGION_CELL_PREFIX = "region:"
NATION_CELL = "nation"


def _cell_scope(manifest: Manifest, key: str, counts: Mapping[str, object]) -> tuple[str | None, set[str]]:
    """(region or None, the contests its counts must cover) of a ballot style or merged cell ``key``."""
    if key == NATION_CELL or key.startswith(REGION_CELL_PREFIX):
        region = None if key == NATION_CELL else key.removeprefix(REGION_CELL_PREFIX)
        if region is not None and region not in {s.region_id for s in manifest.ballot_styles}:
            raise CountsError(f"cell {key!r} names no region of the manifest")
        known = {c.contest_id for c in manifest.contests}
        unknown = set(counts) - known
        if unknown or not counts:
            raise CountsError(f"cell {key!r} must count contests of the manifest, not {sorted(unknown)}")
        return region, set(counts)
    style = manifest.ballot_style(key)
    return style.region_id, set(style.contest_ids)


def check_results(
    manifest: Manifest,
    counts: Counts,
    turnout: Turnout,
    published: ElectionResults,
    *,
    counts_by_region: Mapping[str, Counts] | None = None,
    suppressed_regions: Collection[str] = (),
) -> None:
    """Raise `ResultsMismatchError` unless ``published`` is exactly what the rules give."""
    expected = compute_results(
        manifest, counts, turnout, counts_by_region=counts_by_region, suppressed_regions=suppressed_regions
    )
    if expected.to_canonical_dict() != published.to_canonical_dict():
        differing = [e.contest_id for e, p in zip(expected.contests, published.contests, strict=False) if e != p] or [
            "(structure)"
        ]
        raise ResultsMismatchError(f"published results differ from the rules for contests {differing}")


def _add(into: list[int], values: Sequence[int]) -> None:
    for i, v in enumerate(values):
        into[i] += v


def _checked_votes(contest: Contest, vector: Sequence[int], figures: Figures | None, where: str) -> tuple[int, ...]:
    name = f"contest {contest.contest_id!r}{where}"
    if len(vector) != len(contest.selections):
        raise CountsError(f"{name}: {len(vector)} counts for {len(contest.selections)} selections")
    if any(type(v) is not int or v < 0 for v in vector):
        raise CountsError(f"{name}: counts must be non-negative integers")
    if figures is not None and sum(vector) > contest.max_marks * (figures.took_part - figures.invalid):
        raise CountsError(f"{name}: more marks than valid ballots allow")
    return tuple(vector)


def _check_regions_within_total(
    contest: Contest, total: tuple[int, ...], by_region: dict[str, tuple[int, ...]]
) -> None:
    if not by_region:
        return
    summed = [sum(column) for column in zip(*by_region.values(), strict=True)]
    if any(s > t for s, t in zip(summed, total, strict=True)):
        raise CountsError(f"contest {contest.contest_id!r}: regional counts exceed the total")

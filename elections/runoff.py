"""A presidential runoff as a second election linked to the first (docs/elections.md, "Runoff").

When the first round's results say ``runoff_needed``, `runoff_manifest` builds the second round's manifest from the
first's: a new election id, the same regions, precincts and ballot styles, each contest that needs a runoff with
exactly its ``runoff`` candidates (the rules engine's two leaders, ties broken as the rules say) and "against all",
the president rules' ``runoff_round`` on, the voting window given, and ``previous_election`` = the first election's
id and the ``results_hash`` of its result. Contests decided in the first round are not on the runoff's ballot.

`check_runoff_link` is what a verifier checks given both: the link names the first election and its results' hash,
and the runoff's contests and candidates are exactly the first round's ``runoff`` pairs.
"""

from __future__ import annotations

from typing import Any

from elections.errors import ElectionError
from elections.manifest import Manifest
from elections.results_model import ElectionResults


class RunoffError(ElectionError):
    """No runoff is due, or a runoff manifest is not the one the first round's results call for."""

    code = "invalid_runoff"


def runoff_pairs(results: ElectionResults) -> dict[str, tuple[str, ...]]:
    """Per contest whose outcome is ``runoff_needed``: the candidates the rules send to the runoff."""
    return {c.contest_id: tuple(c.runoff) for c in results.contests if c.outcome == "runoff_needed"}


def runoff_manifest(
    first: Manifest, results: ElectionResults, *, election_id: str, voting_opens: str, voting_closes: str
) -> Manifest:
    """The runoff's manifest (module docstring); `RunoffError` (``no_runoff``) when no contest needs one."""
    if results.election_id != first.election_id or results.manifest_hash != first.manifest_hash().hex():
        raise RunoffError("these results are not the first round's (election id or manifest hash differ)")
    pairs = runoff_pairs(results)
    if not pairs:
        raise RunoffError("no contest of these results needs a runoff", code="no_runoff")
    if election_id == first.election_id:
        raise RunoffError("the runoff needs a new election id")
    data: dict[str, Any] = first.to_canonical_dict()
    data["election_id"] = election_id
    kept = set(pairs)
    running = {c for pair in pairs.values() for c in pair}
    contests = []
    for contest in data["contests"]:
        if contest["contest_id"] not in kept:
            continue
        pair = pairs[contest["contest_id"]]
        selections = [s for s in contest["selections"] if s["kind"] == "against_all" or s["candidate_id"] in pair]
        contests.append({**contest, "selections": selections})
    data["contests"] = contests
    data["candidates"] = [c for c in data["candidates"] if c["candidate_id"] in running]
    styles = []
    for style in data["ballot_styles"]:
        ids = [c for c in style["contest_ids"] if c in kept]
        if ids:
            styles.append({**style, "contest_ids": ids})
    data["ballot_styles"] = styles
    if data["rules"].get("president") is not None:
        data["rules"]["president"] = {**data["rules"]["president"], "runoff_round": True}
    data["previous_election"] = {"election_id": first.election_id, "results_hash": results.results_hash().hex()}
    data["dates"] = {"election_day": voting_opens[:10], "voting_opens": voting_opens, "voting_closes": voting_closes}
    try:
        return Manifest.from_dict(data)
    except ElectionError as e:
        raise RunoffError(f"the runoff manifest is invalid: {e.message}") from e


def check_runoff_link(runoff: Manifest, first: Manifest, results: ElectionResults) -> None:
    """Raise `RunoffError` unless ``runoff`` is linked to ``first`` and its ``results`` (id and results hash) and
    its contests and candidates are exactly the first round's runoff pairs, in the second-round rules."""
    link = runoff.previous_election
    if link is None:
        raise RunoffError("the manifest names no previous election", code="not_a_runoff")
    if link.election_id != first.election_id:
        raise RunoffError(f"the runoff continues {link.election_id!r}, not {first.election_id!r}")
    if results.election_id != first.election_id or results.manifest_hash != first.manifest_hash().hex():
        raise RunoffError("the results given are not the first round's")
    if link.results_hash != results.results_hash().hex():
        raise RunoffError("the runoff names another result of the first round (results_hash differs)")
    pairs = runoff_pairs(results)
    contests = {c.contest_id: c for c in runoff.contests}
    if set(contests) != set(pairs):
        raise RunoffError(f"the runoff's contests {sorted(contests)} are not those that need one {sorted(pairs)}")
    for contest_id, pair in pairs.items():
        on_ballot = {s.candidate_id for s in contests[contest_id].selections if s.kind != "against_all"}
        if on_ballot != set(pair):
            raise RunoffError(
                f"{contest_id}: the runoff's candidates {sorted(c or '' for c in on_ballot)} are not the first "
                f"round's top {len(pair)} {list(pair)}",
                code="runoff_candidates",
            )
    if runoff.rules.president is not None and not runoff.rules.president.runoff_round:
        raise RunoffError("the runoff's president rules must have runoff_round")

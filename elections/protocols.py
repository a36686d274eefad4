"""Official results from paper precinct protocols, without the encrypted pipeline, by the same rules engine.

A protocol (JSON) is one precinct's count as its commission signed it::

    {"precinct_id": "pr0001", "registered": 1200, "took_part": 800, "invalid": 12,
     "votes": {"president": {"c0001": 400, "Mirlan Kochkorov": 388}}}

``votes`` maps each contest of the precinct's ballot style (its id) to counts per selection, named by selection id
or by the candidate's or party's name in any of the manifest's three languages. Selections not named count 0.

`results_from_protocols` checks every protocol (known precinct, one protocol per precinct, every name known, counts
not negative, valid votes ≤ took part − invalid, invalid ≤ took part ≤ registered), leaves out the annulled
precincts, sums the counts per ballot style (the style of the precinct's region and district) and the turnout per
contest and region, and runs `elections.results.compute_results_by_style` — exactly what the encrypted tally feeds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from elections.errors import ElectionError
from elections.manifest import Manifest
from elections.results import compute_results_by_style
from elections.results_model import ContestTurnout, ElectionResults, Figures, Turnout


class ProtocolError(ElectionError):
    """A precinct protocol that cannot be counted: what is wrong and in which precinct."""

    code = "invalid_protocol"


def _names(manifest: Manifest) -> dict[str, dict[str, str]]:
    """Per contest: every name a protocol may use for a selection → its selection id."""
    people = {c.candidate_id: c for c in manifest.candidates}
    parties = {p.party_id: p for p in manifest.parties}
    table: dict[str, dict[str, str]] = {}
    for contest in manifest.contests:
        names: dict[str, str] = {}
        for selection in contest.selections:
            names[selection.selection_id] = selection.selection_id
            owner: Any = people.get(selection.candidate_id or "") or parties.get(selection.party_id or "")
            if owner is not None and selection.kind != "against_all":
                for text in (owner.name.ky, owner.name.ru, owner.name.en) if hasattr(owner.name, "ky") else ():
                    names.setdefault(" ".join(str(text).split()).casefold(), selection.selection_id)
        table[contest.contest_id] = names
    return table


def _style_of(manifest: Manifest, precinct_id: str) -> str:
    precinct = next((p for p in manifest.precincts if p.precinct_id == precinct_id), None)
    if precinct is None:
        raise ProtocolError(f"precinct {precinct_id!r} is not in the manifest")
    for style in manifest.ballot_styles:
        if style.region_id == precinct.region_id and precinct.district_id in style.district_ids:
            return style.style_id
    raise ProtocolError(f"no ballot style for precinct {precinct_id!r}")


def _count(value: object, where: str) -> int:
    if type(value) is not int or value < 0:
        raise ProtocolError(f"{where}: a count is a whole number ≥ 0, not {value!r}")
    return value


def results_from_protocols(
    manifest: Manifest, protocols: Iterable[Mapping[str, Any]], *, annulled: Mapping[str, str] | None = None
) -> ElectionResults:
    """The results the rules give for ``protocols``, the precincts of ``annulled`` (precinct → reason) left out."""
    annulled = dict(annulled or {})
    names = _names(manifest)
    counts_by_style: dict[str, dict[str, list[int]]] = {}
    figures: dict[str, dict[str, list[int]]] = {}  # contest → region → [registered, took part, invalid]
    seen: set[str] = set()
    for protocol in protocols:
        precinct_id = str(protocol.get("precinct_id", ""))
        if precinct_id in seen:
            raise ProtocolError(f"two protocols for precinct {precinct_id!r}")
        seen.add(precinct_id)
        style_id = _style_of(manifest, precinct_id)
        if precinct_id in annulled:
            continue
        where = f"precinct {precinct_id}"
        registered = _count(protocol.get("registered"), f"{where}, registered")
        took_part = _count(protocol.get("took_part"), f"{where}, took_part")
        invalid = _count(protocol.get("invalid", 0), f"{where}, invalid")
        if not invalid <= took_part <= registered:
            raise ProtocolError(f"{where}: needs invalid ≤ took part ≤ registered")
        style = manifest.ballot_style(style_id)
        votes = protocol.get("votes", {})
        if not isinstance(votes, Mapping) or set(votes) - set(style.contest_ids):
            raise ProtocolError(f"{where}: votes name a contest not on its ballot")
        region = next(p.region_id for p in manifest.precincts if p.precinct_id == precinct_id)
        group = counts_by_style.setdefault(style_id, {})
        for contest_id in style.contest_ids:
            contest = manifest.contest(contest_id)
            vector = group.setdefault(contest_id, [0] * len(contest.selections))
            position = {s.selection_id: i for i, s in enumerate(contest.selections)}
            given = votes.get(contest_id, {})
            if not isinstance(given, Mapping):
                raise ProtocolError(f"{where}, {contest_id}: votes per selection are an object")
            valid = 0
            for name, value in given.items():
                key = names[contest_id].get(name) or names[contest_id].get(" ".join(str(name).split()).casefold())
                if key is None:
                    raise ProtocolError(f"{where}, {contest_id}: no selection named {name!r}")
                n = _count(value, f"{where}, {contest_id}, {name}")
                vector[position[key]] += n
                valid += n
            if valid > took_part - invalid:
                raise ProtocolError(f"{where}, {contest_id}: more votes than valid ballots")
            totals = figures.setdefault(contest_id, {}).setdefault(region, [0, 0, 0])
            totals[0] += registered
            totals[1] += took_part
            totals[2] += invalid
    turnout = Turnout(
        contests={
            contest.contest_id: ContestTurnout(
                registered=sum(f[0] for f in figures.get(contest.contest_id, {}).values()),
                took_part=sum(f[1] for f in figures.get(contest.contest_id, {}).values()),
                invalid=sum(f[2] for f in figures.get(contest.contest_id, {}).values()),
                by_region={
                    r: Figures(registered=f[0], took_part=f[1], invalid=f[2])
                    for r, f in figures.get(contest.contest_id, {}).items()
                },
            )
            for contest in manifest.contests
        }
    )
    return compute_results_by_style(manifest, counts_by_style, turnout)

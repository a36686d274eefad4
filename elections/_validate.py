"""Cross-reference checks of a `Manifest` (called by its validator; a failure is a ``ValueError``).

Kept apart from the models so each check reads on its own: ids unique, every reference resolves, every
contest has the shape its kind requires, and a rule block exists for every contest kind used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elections.manifest import Candidate, Contest, Manifest

_ONE_MARK_KINDS = {"presidential", "single_member_district", "parliament_district", "party_list", "referendum_question"}
_CANDIDATE_KINDS = {"presidential", "single_member_district", "parliament_district", "reserved_women_district"}
_RULE_BLOCK = {
    "presidential": "president",
    "referendum_question": "referendum",
    "single_member_district": "single_member",
    "parliament_district": "parliament_district",
    "party_list": "party_list",
    "reserved_women_district": "reserved_women",
}


def _unique(what: str, values: Iterable[str]) -> set[str]:
    values = list(values)
    repeated = sorted(v for v, n in Counter(values).items() if n > 1)
    if repeated:
        raise ValueError(f"duplicate {what} ids: {repeated}")
    return set(values)


def _known(what: str, value: str | None, known: set[str], where: str) -> None:
    if value is not None and value not in known:
        raise ValueError(f"{where} refers to unknown {what} {value!r}")


def check_manifest(m: Manifest) -> None:
    """Raise ``ValueError`` naming the first inconsistency of ``m``."""
    regions = _unique("region", (r.region_id for r in m.regions))
    districts = _unique("district", (d.district_id for d in m.districts))
    _unique("precinct", (p.precinct_id for p in m.precincts))
    parties = _unique("party", (p.party_id for p in m.parties))
    _unique("party ballot_order", (str(p.ballot_order) for p in m.parties))
    candidates = _unique("candidate", (c.candidate_id for c in m.candidates))
    contests = _unique("contest", (c.contest_id for c in m.contests))
    _unique("ballot style", (s.style_id for s in m.ballot_styles))
    for d in m.districts:
        _known("region", d.region_id, regions, f"district {d.district_id!r}")
    for p in m.precincts:
        _known("district", p.district_id, districts, f"precinct {p.precinct_id!r}")
        _known("region", p.region_id, regions, f"precinct {p.precinct_id!r}")
    _check_candidates(m.candidates, parties, districts)
    by_id = {c.candidate_id: c for c in m.candidates}
    for contest in m.contests:
        _known("district", contest.district_id, districts, f"contest {contest.contest_id!r}")
        _check_contest(contest, by_id, parties, candidates)
        if contest.kind in {"parliament_district", "reserved_women_district"} and contest.district_id is not None:
            seats = next(d.seats for d in m.districts if d.district_id == contest.district_id)
            if seats != contest.seats:
                raise ValueError(f"contest {contest.contest_id!r} has {contest.seats} seats, its district {seats}")
        block = _RULE_BLOCK[contest.kind]
        if getattr(m.rules, block) is None:
            raise ValueError(f"contest {contest.contest_id!r} of kind {contest.kind} needs rules.{block}")
    contest_district = {c.contest_id: c.district_id for c in m.contests}
    for s in m.ballot_styles:
        where = f"ballot style {s.style_id!r}"
        _known("region", s.region_id, regions, where)
        for district_id in s.district_ids:
            _known("district", district_id, districts, where)
        for c in s.contest_ids:
            _known("contest", c, contests, where)
            if contest_district[c] is not None and contest_district[c] not in s.district_ids:
                raise ValueError(f"{where} holds contest {c!r} of a district its voters are not in")
        _unique(f"{where} contest", s.contest_ids)
    if m.rules.party_list is not None:
        for r in m.rules.party_list.regional_threshold_region_ids:
            _known("region", r, regions, "rules.party_list.regional_threshold_region_ids")


def _check_candidates(candidates: Iterable[Candidate], parties: set[str], districts: set[str]) -> None:
    positions: dict[str, list[int]] = {}
    for c in candidates:
        where = f"candidate {c.candidate_id!r}"
        _known("party", c.party_id, parties, where)
        _known("district", c.district_id, districts, where)
        if c.list_position is not None:
            if c.party_id is None:
                raise ValueError(f"{where} has a list position but no party")
            positions.setdefault(c.party_id, []).append(c.list_position)
    for party_id, taken in positions.items():
        if sorted(taken) != list(range(1, len(taken) + 1)):
            raise ValueError(f"party {party_id!r}: list positions must be 1..n without gaps or repeats")


def _check_contest(contest: Contest, by_id: dict[str, Candidate], parties: set[str], candidates: set[str]) -> None:
    where = f"contest {contest.contest_id!r}"
    kinds = Counter(s.kind for s in contest.selections)
    if kinds["against_all"] > 1:
        raise ValueError(f"{where} has more than one 'against all'")
    if contest.kind in _ONE_MARK_KINDS and contest.max_marks != 1:
        raise ValueError(f"{where} of kind {contest.kind} allows exactly one mark")
    if contest.kind in _CANDIDATE_KINDS:
        allowed = {"candidate", "against_all"}
    elif contest.kind == "referendum_question":
        allowed = {"yes", "no", "against_all"}
        if kinds["yes"] != 1 or kinds["no"] != 1 or contest.question is None:
            raise ValueError(f"{where} needs a question, one 'yes' and one 'no'")
    else:
        allowed = {"party", "party_preference", "against_all"}
    if extra := set(kinds) - allowed:
        raise ValueError(f"{where} of kind {contest.kind} cannot hold selections {sorted(extra)}")
    seen_candidates: set[str] = set()
    party_marks = {s.party_id for s in contest.selections if s.kind == "party"}
    listed = {(c.party_id, c.list_position) for c in by_id.values() if c.list_position is not None}
    for s in contest.selections:
        if s.candidate_id is not None:
            _known("candidate", s.candidate_id, candidates, where)
            if s.candidate_id in seen_candidates:
                raise ValueError(f"{where} lists candidate {s.candidate_id!r} twice")
            seen_candidates.add(s.candidate_id)
            district = by_id[s.candidate_id].district_id
            if contest.district_id is not None and district != contest.district_id:
                raise ValueError(f"{where}: candidate {s.candidate_id!r} stands in another district")
        if s.party_id is not None:
            _known("party", s.party_id, parties, where)
        if s.kind == "party_preference":
            if s.party_id not in party_marks:
                raise ValueError(f"{where}: preference {s.selection_id!r} for a party without a party selection")
            if (s.party_id, s.list_position) not in listed:
                raise ValueError(f"{where}: preference {s.selection_id!r} names no candidate on the list")
    if len(party_marks) != kinds["party"]:
        raise ValueError(f"{where} lists a party twice")

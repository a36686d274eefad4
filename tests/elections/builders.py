"""Small manifests for worked examples of the rules (one contest each, ids chosen for reading)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from elections.manifest import Manifest
from elections.results import Turnout, compute_results
from elections.results_model import ElectionResults

REGION_IDS = ("north", "south", "naryn")


def _text(s: str) -> dict[str, str]:
    return {"ky": s, "ru": s, "en": s}


def _skeleton(kind: str, rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "spec_version": "shailoo-manifest/1",
        "election_id": "example",
        "kind": kind,
        "name": _text("Example"),
        "dates": {
            "election_day": "2026-01-10",
            "voting_opens": "2026-01-10T02:00:00Z",
            "voting_closes": "2026-01-10T14:00:00Z",
        },
        "policy": {"revoting_allowed": True, "challenge_allowed": True, "channels_open": ["app"]},
        "regions": [{"region_id": r, "name": _text(r)} for r in REGION_IDS],
        "rules": rules,
    }


def candidate_election(
    contest_kind: str,
    genders: str,
    *,
    rules: Mapping[str, Any],
    seats: int = 1,
    max_marks: int = 1,
    against_all: bool = True,
    registration_order: Sequence[int] | None = None,
    deregistered: Sequence[str] = (),
) -> Manifest:
    """Candidates ``k1..kn`` with genders from ``genders`` ("f"/"m"), registered in order (or as given)."""
    order = registration_order or range(1, len(genders) + 1)
    candidates = [
        {
            "candidate_id": f"k{i + 1}",
            "name": _text(f"Candidate {i + 1}"),
            "gender": "female" if g == "f" else "male",
            "district_id": "d1",
            "registered_at": f"2025-10-{order[i]:02d}T09:00:00Z",
            "status": "deregistered" if f"k{i + 1}" in deregistered else "registered",
        }
        for i, g in enumerate(genders)
    ]
    selections = [
        {"selection_id": c["candidate_id"], "kind": "candidate", "candidate_id": c["candidate_id"]} for c in candidates
    ]
    if against_all:
        selections.append({"selection_id": "against_all", "kind": "against_all"})
    m = _skeleton("president", dict(rules))
    m["districts"] = [{"district_id": "d1", "name": _text("D1"), "region_id": "north", "seats": seats}]
    m["candidates"] = candidates
    m["contests"] = [
        {
            "contest_id": "c",
            "kind": contest_kind,
            "name": _text("Contest"),
            "district_id": "d1",
            "seats": seats,
            "selections": selections,
            "max_marks": max_marks,
        }
    ]
    m["ballot_styles"] = [{"style_id": "s", "region_id": "north", "district_ids": ["d1"], "contest_ids": ["c"]}]
    return Manifest.model_validate(m)


def list_election(
    lists: Sequence[str], *, seats: int, rules: Mapping[str, Any], deregistered: Sequence[str] = ()
) -> Manifest:
    """Parties ``p1..pn``; ``lists[i]`` gives the genders of party i's list in order ("f"/"m").

    Candidate ``pI-K`` is at position K of party I. Selections per party: ``pI``, ``pI#1..#len``; then "against all".
    """
    m = _skeleton("parliament-2021", dict(rules))
    m["districts"] = [{"district_id": "nation", "name": _text("Nation"), "seats": seats}]
    m["parties"] = [
        {
            "party_id": f"p{i + 1}",
            "name": _text(f"Party {i + 1}"),
            "ballot_order": i + 1,
            "status": "deregistered" if f"p{i + 1}" in deregistered else "registered",
        }
        for i in range(len(lists))
    ]
    selections: list[dict[str, Any]] = []
    m["candidates"] = []
    for i, genders in enumerate(lists):
        pid = f"p{i + 1}"
        selections.append({"selection_id": pid, "kind": "party", "party_id": pid})
        for k, g in enumerate(genders, start=1):
            cid = f"{pid}-{k}"
            m["candidates"].append(
                {
                    "candidate_id": cid,
                    "name": _text(cid),
                    "gender": "female" if g == "f" else "male",
                    "party_id": pid,
                    "list_position": k,
                    "registered_at": "2025-10-01T09:00:00Z",
                    "status": "deregistered" if cid in deregistered else "registered",
                }
            )
            selections.append(
                {"selection_id": f"{pid}#{k}", "kind": "party_preference", "party_id": pid, "list_position": k}
            )
    selections.append({"selection_id": "against_all", "kind": "against_all"})
    m["contests"] = [
        {
            "contest_id": "c",
            "kind": "party_list",
            "name": _text("Lists"),
            "district_id": "nation",
            "seats": seats,
            "selections": selections,
        }
    ]
    m["ballot_styles"] = [
        {"style_id": f"s-{r}", "region_id": r, "district_ids": ["nation"], "contest_ids": ["c"]} for r in REGION_IDS
    ]
    return Manifest.model_validate(m)


def list_counts(
    manifest: Manifest,
    party_votes: Mapping[str, int],
    preferences: Mapping[str, int] | None = None,
    against_all: int = 0,
) -> list[int]:
    """A count vector: ``preferences`` (candidate id → votes) go to (party, position); the rest of a party's
    votes to (party, no preference)."""
    prefs = dict(preferences or {})
    contest = manifest.contest("c")
    vector = []
    for s in contest.selections:
        if s.kind == "party":
            own = sum(v for cid, v in prefs.items() if cid.startswith(f"{s.party_id}-"))
            vector.append(party_votes.get(s.party_id or "", 0) - own)
        elif s.kind == "party_preference":
            vector.append(prefs.get(f"{s.party_id}-{s.list_position}", 0))
        else:
            vector.append(against_all)
    return vector


def turnout(
    took_part: int, *, registered: int | None = None, invalid: int = 0, by_region: Mapping[str, int] | None = None
) -> Turnout:
    """Turnout of contest ``c``; ``by_region`` gives took_part per region."""
    regions = {r: {"registered": n * 3, "took_part": n, "invalid": 0} for r, n in (by_region or {}).items()}
    return Turnout.model_validate(
        {
            "contests": {
                "c": {
                    "registered": registered if registered is not None else took_part * 3,
                    "took_part": took_part,
                    "invalid": invalid,
                    "by_region": regions,
                }
            }
        }
    )


def run(
    manifest: Manifest, votes: Sequence[int], figures: Turnout, by_region: Mapping[str, Sequence[int]] | None = None
) -> ElectionResults:
    regional = {r: {"c": list(v)} for r, v in (by_region or {}).items()} if by_region else None
    return compute_results(manifest, {"c": list(votes)}, figures, counts_by_region=regional)

"""Hypothesis properties of the rules engine: seats add up, gender rules hold when feasible, order is irrelevant."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from elections.manifest import Manifest
from elections.parameters import PartyListRules
from elections.results import compute_results
from elections.rules.common import ceil_bp
from elections.rules.proportional import apportion, fill_list
from tests.elections.builders import candidate_election, list_counts, list_election, run, turnout

party_votes = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12)


@given(party_votes, st.integers(min_value=1, max_value=120), st.none() | st.integers(min_value=1, max_value=60))
def test_seats_always_add_up(votes: list[int], seats: int, cap: int | None) -> None:
    named = {f"p{i}": v for i, v in enumerate(votes)}
    split = apportion(named, seats, cap, {p: i for i, p in enumerate(named)})
    assert sum(split.seats.values()) + split.unallocated == seats
    assert all(s >= 0 for s in split.seats.values())
    if cap is not None:
        assert all(s <= cap for s in split.seats.values())
    positive = sum(1 for v in votes if v > 0)
    if positive and (cap is None or positive * cap >= seats):
        assert split.unallocated == 0
    assert all(split.seats[p] == 0 for p, v in named.items() if v == 0)


@given(party_votes, st.integers(min_value=1, max_value=60))
def test_hare_gives_every_list_its_quota_floor_or_one_more(votes: list[int], seats: int) -> None:
    named = {f"p{i}": v for i, v in enumerate(votes)}
    total = sum(votes)
    split = apportion(named, seats, None, {p: i for i, p in enumerate(named)})
    if total:
        for p, v in named.items():
            assert split.seats[p] in (v * seats // total, v * seats // total + 1)


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["female", "male"]), st.integers(0, 50)), min_size=1, max_size=20),
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=0, max_value=10_000),
)
def test_women_first_rule_holds_when_feasible(people: list[tuple[str, int]], seats: int, women_bp: int) -> None:
    genders = "".join("f" if g == "female" else "m" for g, _ in people)
    m = list_election([genders], seats=seats, rules={"party_list": {"women_min_bp": women_bp}})
    listed = m.party_list("p1")
    preference = {c.candidate_id: votes for c, (_, votes) in zip(listed, people, strict=True)}
    elected, required, _ = fill_list(listed, preference, seats, PartyListRules(women_min_bp=women_bp))
    women = sum(1 for c in listed if c.gender == "female")
    elected_women = sum(1 for c in listed if c.candidate_id in elected and c.gender == "female")
    assert required == ceil_bp(women_bp, seats)
    assert elected_women >= min(required, women)
    assert len(elected) == min(seats, len(listed))


@settings(deadline=None)
@given(st.lists(st.tuples(st.sampled_from("fm"), st.integers(0, 1000)), min_size=1, max_size=12))
def test_2025_never_more_than_two_of_one_gender(people: list[tuple[str, int]]) -> None:
    genders = "".join(g for g, _ in people)
    m = candidate_election("parliament_district", genders, rules={"parliament_district": {}}, seats=3)
    votes = [v for _, v in people] + [0]
    r = run(m, votes, turnout(sum(votes))).contest("c")
    count = Counter(genders)
    if len(count) < 2:
        assert r.outcome == "not_held"
        return
    elected = Counter(m.candidate(cid).gender for cid in r.elected)
    assert max(elected.values()) <= 2
    assert len(r.elected) == min(3, min(count["f"], 2) + min(count["m"], 2))


@settings(deadline=None)
@given(st.lists(st.tuples(st.sampled_from("fm"), st.integers(0, 1000)), min_size=1, max_size=14), st.integers(1, 7))
def test_village_reserved_seats_hold_when_feasible(people: list[tuple[str, int]], seats: int) -> None:
    genders = "".join(g for g, _ in people)
    m = candidate_election(
        "reserved_women_district", genders, rules={"reserved_women": {}}, seats=seats, max_marks=min(seats, len(people))
    )
    votes = [v for _, v in people] + [0]
    r = run(m, votes, turnout(sum(votes))).contest("c")
    women = sum(1 for cid in r.elected if m.candidate(cid).gender == "female")
    assert women >= min(ceil_bp(3000, seats), genders.count("f"))
    assert len(r.elected) == min(seats, len(people))


def _shuffled(m: Manifest, order: list[int], party_order: list[int]) -> Manifest:
    data = m.model_dump(mode="python")
    data["candidates"] = tuple(m.candidates[i % len(m.candidates)] for i in order)
    data["parties"] = tuple(m.parties[i] for i in party_order)
    return Manifest.model_validate(data)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_results_do_not_depend_on_the_order_of_input(data: st.DataObject) -> None:
    m = list_election(
        ["fmmfm", "mmf", "ffmm", "m"], seats=7, rules={"party_list": {"women_min_bp": 3000, "seat_cap": 3}}
    )
    votes = {p: data.draw(st.integers(0, 500)) for p in ("p1", "p2", "p3", "p4")}
    prefs = {c.candidate_id: data.draw(st.integers(0, votes[c.party_id or ""] // 6)) for c in m.candidates}
    prefs = {cid: v for cid, v in prefs.items() if v}
    counts = list_counts(m, votes, prefs)
    figures = turnout(sum(votes.values()) + 5)
    expected = compute_results(m, {"c": counts}, figures).contest("c")
    candidate_order = data.draw(st.permutations(range(len(m.candidates))))
    party_order = data.draw(st.permutations(range(len(m.parties))))
    shuffled = _shuffled(m, list(candidate_order), list(party_order))
    assert compute_results(shuffled, {"c": counts}, figures).contest("c") == expected


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(6)), st.lists(st.integers(0, 300), min_size=6, max_size=6))
def test_candidate_results_do_not_depend_on_manifest_order(order: list[int], votes: list[int]) -> None:
    m = candidate_election("parliament_district", "mfmfmm", rules={"parliament_district": {}}, seats=3)
    shuffled = _shuffled(m, order, [])
    counts = [*votes, 0]
    assert run(shuffled, counts, turnout(sum(counts))).contest("c") == run(m, counts, turnout(sum(counts))).contest("c")

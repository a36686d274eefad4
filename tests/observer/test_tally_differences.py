"""What check 40 reports when the posted encrypted tally differs from the one recomputed from the ballots: each
difference names its group and what differs. (Written to kill mutants that survived `.ci/mutation observer`: the
checks' tests only saw that check 40 fails, never what it said.)"""

from __future__ import annotations

from dataclasses import replace

from crypto.elgamal import Ciphertext
from crypto.group import Point, Scalar
from observer.checks.tally import _differences
from record.tally import EncryptedTally, TallyGroup

G = Point.generator()


def _ct(m: int) -> Ciphertext:
    return Ciphertext(G * Scalar(7), G * Scalar(100 + m))


def _group(key: str, ballots: int, marks: tuple[int, ...]) -> TallyGroup:
    return TallyGroup(key, ballots, (("president", tuple(_ct(m) for m in marks)), ("mayor", (_ct(0), _ct(1)))))


EXPECTED = EncryptedTally(
    "kg-2027",
    5,
    styles=(_group("s-batken", 3, (1, 2)), _group("s-osh", 2, (0, 2))),
    precincts=(_group("p1", 5, (1, 4)),),
)


def test_identical_tallies_have_no_difference() -> None:
    assert _differences(EXPECTED, EXPECTED) == []


def test_each_kind_of_difference_is_named() -> None:
    changed_osh = _group("s-osh", 3, (0, 3))
    posted = replace(
        EXPECTED,
        ballots_counted=6,
        styles=(changed_osh, _group("s-chui", 1, (1, 0))),  # s-batken dropped, s-chui added
        precincts=EXPECTED.precincts,
    )
    assert _differences(EXPECTED, posted) == [
        {"ballots_counted": [6, 5]},
        {"style": "s-batken", "problem": "missing from the posted tally"},
        {"style": "s-osh", "ballots": [3, 2], "contests": ["president"]},
        {"style": "s-chui", "problem": "not in the recomputed tally"},
    ]


def test_a_changed_precinct_names_only_the_contest_that_differs() -> None:
    posted_p1 = TallyGroup("p1", 5, (("president", (_ct(1), _ct(4))), ("mayor", (_ct(1), _ct(1)))))
    posted = replace(EXPECTED, precincts=(posted_p1,))
    assert _differences(EXPECTED, posted) == [{"precinct": "p1", "ballots": [5, 5], "contests": ["mayor"]}]

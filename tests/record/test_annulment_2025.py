"""The 2025 example of issue 19: in one three-seat district (JK 2025: the three with most votes, at most two of one
gender), annulling two precincts changes which woman wins. Reproduced twice on the same numbers: with the rules
engine over paper protocols, and through the encrypted tally (the counted set leaving the annulled precincts out,
decrypted, the same rules) — and the verifier's way of taking annulled precincts out of its sums
(`record.tally.without_precincts`) gives byte for byte the tally the server posts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from crypto.contest import EncryptedContest
from crypto.dlog import DiscreteLogTable
from crypto.elgamal import Ciphertext, ElGamalKeyPair, decrypt_to_point, encrypt
from crypto.group import Scalar
from elections.manifest import Manifest
from elections.presets import build_preset
from elections.protocols import results_from_protocols
from elections.results import compute_results_by_style
from elections.results_model import ContestTurnout, Figures, Turnout
from record.tally import CountedItem, aggregate, counted_set, turnout_from_tally, without_precincts


def _district_with_four_precincts() -> Manifest:
    data = build_preset("parliament-2025").to_canonical_dict()
    for n in (9001, 9002):
        data["precincts"].append(
            {
                "precinct_id": f"pr{n}",
                "name": {"ky": f"№{n} шайлоо участогу", "ru": f"Участок №{n}", "en": f"Precinct {n}"},
                "district_id": "d01",
                "region_id": "batken",
            }
        )
    return Manifest.from_dict(data)


MANIFEST = _district_with_four_precincts()
CONTEST = "jk-d01"
STYLE = "s-d01"
# Three men lead (c0002, c0003, c0005), so the third seat goes to the best-placed woman: c0001 — whose votes came
# mostly from pr9001 and pr9002. Without those two precincts c0004 is the best-placed woman.
VOTES: dict[str, dict[str, int]] = {
    "pr0001": {"c0002": 260, "c0003": 230, "c0005": 210, "c0001": 40, "c0004": 130},
    "pr0002": {"c0002": 240, "c0003": 220, "c0005": 190, "c0001": 50, "c0004": 120},
    "pr9001": {"c0002": 30, "c0003": 20, "c0005": 10, "c0001": 110, "c0004": 5},
    "pr9002": {"c0002": 20, "c0003": 30, "c0005": 10, "c0001": 120, "c0004": 5},
}
ANNULLED = ("pr9001", "pr9002")


def _third_seat(results: Any) -> tuple[str, ...]:
    return tuple(results.contest(CONTEST).elected)


def test_the_rules_engine_elects_another_woman_once_two_precincts_are_annulled() -> None:
    protocols = [
        {"precinct_id": p, "registered": 2000, "took_part": sum(v.values()), "votes": {CONTEST: v}}
        for p, v in VOTES.items()
    ]
    counted = results_from_protocols(MANIFEST, protocols)
    annulled = results_from_protocols(MANIFEST, protocols, annulled=dict.fromkeys(ANNULLED, "ballot stuffing"))
    assert set(_third_seat(counted)) == {"c0002", "c0003", "c0001"}
    assert set(_third_seat(annulled)) == {"c0002", "c0003", "c0004"}


@dataclass(frozen=True)
class _Sheets:
    """Stands for a precinct's sheets of one contest, already added up: the tally's sums read only the ciphertexts
    (the proofs were checked when the sheets were posted)."""

    ciphertexts: tuple[Ciphertext, ...]


def _items(key: ElGamalKeyPair) -> list[CountedItem]:
    selections = [s.selection_id for s in MANIFEST.contest(CONTEST).selections]
    items = []
    for index, (precinct, votes) in enumerate(VOTES.items()):
        cts = tuple(encrypt(key.public, votes.get(s, 0), Scalar.random()) for s in selections)
        contest = cast(EncryptedContest, _Sheets(cts))
        items.append(CountedItem(index, STYLE, precinct, ((CONTEST, contest),)))
    return items


def _decrypted_results(key: ElGamalKeyPair, manifest: Manifest, items: list[CountedItem], annulled: tuple[str, ...]):  # type: ignore[no-untyped-def]
    tally = counted_set([], items, revoting_allowed=False, annulled=annulled).tally(manifest)
    table = DiscreteLogTable(4000, 80)
    by_style = {
        g.key: {c: [table.decode(decrypt_to_point(ct, key.secret)) for ct in cts] for c, cts in g.contests}
        for g in tally.styles
    }
    registered = dict.fromkeys({s.region_id for s in manifest.ballot_styles}, 10_000)
    turnout = turnout_from_tally(manifest, tally, registered)
    # One item stands for a whole precinct here, so the tally's ballot count is not the voters': take them from the
    # decrypted sums (one mark per voter in this contest).
    voters = sum(by_style[STYLE][CONTEST])
    figures = Figures(registered=10_000, took_part=voters, invalid=0)
    district = ContestTurnout(registered=10_000, took_part=voters, invalid=0, by_region={"batken": figures})
    turnout = Turnout(contests={**turnout.contests, CONTEST: district})
    return compute_results_by_style(manifest, by_style, turnout)


def test_the_encrypted_tally_without_the_annulled_precincts_elects_the_other_woman() -> None:
    # One item stands for a whole precinct, so the style's group holds a handful of items: a minimum cell of 1 keeps
    # it a cell of its own (the merge of small cells is record.md §2.11's business, tested in test_cells.py).
    manifest = MANIFEST.model_copy(update={"policy": MANIFEST.policy.model_copy(update={"min_cell_ballots": 1})})
    key = ElGamalKeyPair.generate()
    items = _items(key)
    assert set(_third_seat(_decrypted_results(key, manifest, items, ()))) == {"c0002", "c0003", "c0001"}
    assert set(_third_seat(_decrypted_results(key, manifest, items, ANNULLED))) == {"c0002", "c0003", "c0004"}


def test_the_verifiers_subtraction_gives_the_servers_tally() -> None:
    key = ElGamalKeyPair.generate()
    items = _items(key)
    server = aggregate(MANIFEST, [i for i in items if i.precinct_id not in ANNULLED])
    verifier = without_precincts(MANIFEST, aggregate(MANIFEST, items), ANNULLED)
    assert verifier.to_json() == server.to_json()
    assert verifier.ballots_counted == 2

"""The coercion-resistant election with every contest kind (record.cr_contests) in process: a server that moves a
ballot's packed value to another cell or choice in the mix input is caught by check 47, which recomputes every row
from the posted ballots and the public cell parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli.cr_election import run_cr_election
from crypto.elgamal import Ciphertext
from crypto.group import Point
from observer.report import Status
from observer.verify import verify
from record.mix import MixInput


def _shift_first_row(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    if kind != "mix_input" or payload.get("list", "ballots") != "ballots":
        return payload
    mix_input = MixInput.from_payload(payload)
    first = mix_input.rows[0]
    last = first[-1]
    # One more in the packed value: the next selection, or (past the choice bits) another district's cell.
    moved = (*first[:-1], Ciphertext(last.alpha, last.beta + Point.generator()))
    return MixInput((moved, *mix_input.rows[1:])).to_payload()


def test_a_mix_input_with_a_moved_value_fails_check_47(tmp_path: Path) -> None:
    path = tmp_path / "board.jsonl"
    run_cr_election(path, preset="parliament-2021", voters=3, coerced=1, revoters=0, tamper=_shift_first_row)
    statuses = {c.number: c for c in verify(path).checks}
    assert statuses[47].status is Status.FAIL, statuses[47]
    assert statuses[47].evidence.get("code") == "mix_input_not_of_ballots"


def test_the_untampered_election_passes_check_47(tmp_path: Path) -> None:
    path = tmp_path / "board.jsonl"
    run_cr_election(path, preset="parliament-2021", voters=3, coerced=1, revoters=0)
    assert {c.number: c.status for c in verify(path).checks}[47] is Status.PASS

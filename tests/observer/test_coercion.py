"""Checks 46–49 on whole coercion-resistant records (cli.cr_election): the honest record passes every check; a
roster entry omitted or repeated, a ballot whose proof is forged, a mix input that leaves out a ballot, a blinding
chain missing a trustee on one list, or a published result that moves one vote each fail the right check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli.cr_election import run_cr_election
from crypto.shuffle import rows_from_bytes
from observer.report import Status
from observer.verify import verify
from record.mix import MixInput

Tamper = Callable[[str, dict[str, Any]], dict[str, Any] | None]


def _report(tmp_path: Path, tamper: Tamper | None = None) -> Any:
    path = tmp_path / "board.jsonl"
    run_cr_election(path, voters=5, coerced=2, revoters=1, tamper=tamper)
    return verify(path)


def _once(kind: str, change: Callable[[dict[str, Any]], dict[str, Any] | None], at: int = 0) -> Tamper:
    seen: list[int] = []

    def tamper(k: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if k != kind:
            return payload
        seen.append(1)
        return change(payload) if len(seen) == at + 1 else payload

    return tamper


def _failed(report: Any, number: int) -> Any:
    result = report.check(number)
    assert result.status is Status.FAIL, result.to_json()
    return result


def test_the_honest_record_passes(tmp_path: Path) -> None:
    report = _report(tmp_path)
    for number in (45, 46, 47, 48, 49):
        assert report.check(number).status is Status.PASS, report.check(number).to_json()
    assert report.passed, [c.to_json() for c in report.checks if c.status is Status.FAIL]
    assert report.check(49).evidence == {"kept": 5, "unmatched": 2, "duplicates": 1}


def test_an_omitted_roster_entry_fails_check_46(tmp_path: Path) -> None:
    result = _failed(_report(tmp_path, _once("cr_roster", lambda p: None, at=1)), 46)
    assert result.evidence["code"] == "roster_out_of_order"


def test_a_repeated_roster_entry_fails_check_46(tmp_path: Path) -> None:
    first: list[dict[str, Any]] = []

    def repeat(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "cr_roster":
            first.append(payload)
            if len(first) == 2:
                return first[0]
        return payload

    assert _failed(_report(tmp_path, repeat), 46).evidence["code"] == "roster_out_of_order"


def test_a_ballot_with_a_forged_credential_proof_fails_check_47(tmp_path: Path) -> None:
    def forge(payload: dict[str, Any]) -> dict[str, Any]:
        proof = payload["credential_proof"]
        return {**payload, "credential_proof": proof[:-1] + ("0" if proof[-1] != "0" else "1")}

    result = _failed(_report(tmp_path, _once("cr_ballot", forge, at=2)), 47)
    assert result.evidence["code"] == "invalid_proof"


def test_a_mix_input_leaving_out_a_ballot_fails_check_47(tmp_path: Path) -> None:
    def drop_last(payload: dict[str, Any]) -> dict[str, Any]:
        rows = rows_from_bytes(bytes.fromhex(payload["rows"]))
        return MixInput(tuple(rows[:-1])).to_payload()

    result = _failed(_report(tmp_path, _once("mix_input", drop_last)), 47)
    assert result.evidence["code"] == "mix_input_not_of_ballots"


def test_a_roster_not_blinded_by_every_trustee_fails_check_48(tmp_path: Path) -> None:
    # The second trustee's blinding of the roster is left out: the roster tags are not the ballots' kind of tags.
    skip: Tamper = _once("cr_blinding", lambda p: None if p["list"] == "roster" else p, at=3)
    result = _failed(_report(tmp_path, skip), 48)
    assert result.evidence["code"] == "blinding_lists_differ"


@pytest.mark.parametrize("field", ["counts", "unmatched"])
def test_a_published_result_that_differs_fails_check_49(tmp_path: Path, field: str) -> None:
    def move_a_vote(payload: dict[str, Any]) -> dict[str, Any]:
        if field == "unmatched":
            return {**payload, "unmatched": payload["unmatched"] - 1, "kept": payload["kept"] + 1}
        counts = {c: list(v) for c, v in payload["counts"].items()}
        contest = next(iter(counts))
        winner = counts[contest].index(max(counts[contest]))
        counts[contest][winner] -= 1
        counts[contest][(winner + 1) % len(counts[contest])] += 1
        return {**payload, "counts": counts}

    result = _failed(_report(tmp_path, _once("cr_result", move_a_vote)), 49)
    assert result.evidence["code"] == "result_mismatch"


def test_a_roster_mix_input_leaving_out_a_registration_fails_check_46(tmp_path: Path) -> None:
    def drop_last(payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("list") != "roster":
            return payload
        rows = rows_from_bytes(bytes.fromhex(payload["rows"]))
        return MixInput(tuple(rows[:-1]), "roster").to_payload()

    tamper: Tamper = lambda kind, payload: drop_last(payload) if kind == "mix_input" else payload  # noqa: E731
    result = _failed(_report(tmp_path, tamper), 46)
    assert result.evidence["code"] == "mix_input_not_of_roster"

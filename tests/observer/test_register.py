"""Check 17 (the registrar's signed register counts) and what checks 40 and 44 take from it (record.md §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from observer.report import Status
from observer.verify import verify
from tests.observer.election import REGISTERED_PER_STYLE, BuiltElection, build_election


def test_the_register_counts_bound_eligibility_and_the_tally_carries_them(election: BuiltElection) -> None:
    report = verify(election.path)
    register = report.check(17)
    assert register.status is Status.PASS, register.message
    assert "the manifest pins" in register.message
    styles = [s.style_id for s in election.manifest.ballot_styles]
    assert register.evidence["registered_by_style"] == dict.fromkeys(styles, REGISTERED_PER_STYLE)
    eligibility = report.check(44)
    assert eligibility.status is Status.PASS and "registered" in eligibility.message
    assert report.check(40).status is Status.PASS and "register counts" in report.check(40).message


def _tampered(kind: str, change: Any) -> Any:
    def tamper(entry_kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return change(dict(payload)) if entry_kind == kind else payload

    return tamper


def test_register_counts_changed_after_signing_fail_check_17(tmp_path: Path) -> None:
    def inflate(payload: dict[str, Any]) -> dict[str, Any]:
        first = sorted(payload["counts"])[0]
        return {**payload, "counts": {**payload["counts"], first: 10_000}}

    built = build_election(tmp_path / "x.jsonl", voters=3, revotes=0, tamper=_tampered("register_counts", inflate))
    report = verify(built.path)
    assert report.check(17).status is Status.FAIL
    assert "signature" in report.check(17).message
    assert report.check(44).status is Status.PASS  # no upper bound without verified counts, and no blame


def test_register_counts_naming_a_ballot_style_mars_fail_check_17(tmp_path: Path) -> None:
    def mars(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "counts": dict(sorted({**payload["counts"], "mars": 5}.items()))}

    built = build_election(tmp_path / "m.jsonl", voters=3, revotes=0, tamper=_tampered("register_counts", mars))
    check = verify(built.path).check(17)
    assert check.status is Status.FAIL and "mars" in check.message


def test_a_tally_whose_registered_voters_are_not_the_register_counts_fails_check_40(tmp_path: Path) -> None:
    def operator_figures(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "registered_by_region": {"mars": 5}}

    built = build_election(
        tmp_path / "t.jsonl", voters=3, revotes=0, tamper=_tampered("encrypted_tally", operator_figures)
    )
    check = verify(built.path).check(40)
    assert check.status is Status.FAIL
    assert any("registered_by_region" in d for d in check.evidence["differences"])

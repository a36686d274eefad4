"""Check 24: the voting window read from the board's own signed times (record.md §3)."""

from __future__ import annotations

from pathlib import Path

from observer.report import Status
from observer.verify import verify
from record.window import utc_ms, utc_text
from tests.observer.election import BuiltElection, build_election, small_president_manifest


def test_an_honest_record_is_inside_its_voting_window(election: BuiltElection) -> None:
    check = verify(election.path).check(24)
    assert check.status is Status.PASS, check.message
    assert check.evidence["voting_closes"] == election.manifest.dates.voting_closes


def test_ballots_the_server_took_after_voting_closes_fail_check_24(tmp_path: Path) -> None:
    """A server that kept taking ballots after the close time: its own promise times give it away."""
    base = small_president_manifest()
    opens = base.dates.voting_opens
    closes = utc_text(utc_ms(opens) + 10_000)  # ten seconds of voting; the ballots take longer
    manifest = base.with_voting_window(opens, closes, clock_tolerance_seconds=0)
    built = build_election(tmp_path / "late.jsonl", voters=6, revotes=0, manifest=manifest)
    report = verify(built.path)
    check = report.check(24)
    assert check.status is Status.FAIL
    late = [e for e in check.evidence["entries"] if "after voting_closes" in e["problem"]]
    assert late and all(e["kind"] in ("ballot", "spoiled_ballot") for e in late)
    assert report.check(20).status is Status.PASS  # every late ballot is itself valid: only the window fails


def test_a_close_eleven_hours_early_without_the_policy_fails_check_24(tmp_path: Path) -> None:
    manifest = small_president_manifest()
    early = utc_text(utc_ms(manifest.dates.voting_closes) - 11 * 3_600_000)
    built = build_election(tmp_path / "early.jsonl", voters=3, revotes=0, manifest=manifest, close_at=early)
    check = verify(built.path).check(24)
    assert check.status is Status.FAIL
    assert "no early close" in check.evidence["close_problems"][0]["problem"]


def test_an_early_close_the_policy_allows_passes_with_its_reason(tmp_path: Path) -> None:
    base = small_president_manifest()
    manifest = base.with_voting_window(base.dates.voting_opens, base.dates.voting_closes, early_close_allowed=True)
    early = utc_text(utc_ms(manifest.dates.voting_closes) - 3_600_000)
    built = build_election(
        tmp_path / "early-ok.jsonl", voters=3, revotes=0, manifest=manifest, close_at=early, close_reason="flood"
    )
    check = verify(built.path).check(24)
    assert check.status is Status.PASS, check.message
    assert check.evidence["early_close_reason"] == "flood"

"""Check 24: the voting window read from the board's own signed times (record.md §3)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.checkpoint import SignedTreeHead, WitnessCosignature, cosign, public_key_bytes
from observer.checks.window import witnessed_times
from observer.context import VerifyOptions
from observer.established import WitnessesEstablished, WitnessTime, read_only
from observer.report import Status
from observer.verify import verify
from record.window import utc_ms, utc_text
from tests.observer.election import BuiltElection, build_election, read_lines, small_president_manifest, write_lines


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


def test_ballots_appended_in_time_but_first_signed_after_the_tolerance_fail_check_24(tmp_path: Path) -> None:
    """The log's promise times are inside the window, but no signed tree head covered the ballots until after
    ``voting_closes`` + tolerance (a board that held them back): the head's time gives it away. No witness is
    pinned here, so this is the log's own clock alone."""
    base = small_president_manifest()
    opens = base.dates.voting_opens
    closes = utc_text(utc_ms(opens) + 9_000)  # the mid-voting head is signed one second after this
    manifest = base.with_voting_window(opens, closes, clock_tolerance_seconds=0)
    built = build_election(tmp_path / "held.jsonl", voters=6, revotes=0, manifest=manifest, witness_roster=False)
    check = verify(built.path, VerifyOptions(min_witnesses=0)).check(24)
    assert check.status is Status.FAIL
    assert check.evidence["witness_times_compared"] is False
    held = [e for e in check.evidence["entries"] if e["problem"] == "first in a tree head after voting_closes"]
    assert held and all(utc_ms(e["appended_at"]) <= utc_ms(closes) for e in held)


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


def _back_dated(tmp_path: Path, behind_ms: int) -> BuiltElection:
    """Ten seconds of voting; from the middle of it on, the log's clock runs ``behind_ms`` behind the witnesses'."""
    return build_election(tmp_path / f"behind-{behind_ms}.jsonl", voters=6, revotes=0, log_clock_behind_ms=behind_ms)


def test_a_log_that_back_dates_ballots_is_caught_by_the_witnesses_clocks(tmp_path: Path) -> None:
    """The log's clock is set back an hour from the middle of voting on: every promise time and tree head time is
    inside the window, but the witnesses first cosigned the heads covering the later ballots an hour after the
    close. Only the witnesses' times differ from the honest run below."""
    built = _back_dated(tmp_path, 3_600_000)
    report = verify(built.path)
    check = report.check(24)
    assert check.status is Status.FAIL, check.message
    late = check.evidence["entries"]
    assert late and all("first cosigned by 1 pinned witness(es) after voting_closes" in e["problem"] for e in late)
    assert all(utc_ms(e["appended_at"]) <= utc_ms(built.manifest.dates.voting_closes) for e in late)
    ballots = built.indices["ballot"]  # one per voter; the clock was set back after the fourth
    assert [e["entry_index"] for e in late] == ballots[len(ballots) // 2 + 1 :]
    assert report.check(3).status is Status.PASS  # every cosignature is genuine: only the times disagree


def test_an_unpinned_witness_vouching_in_time_does_not_rescue_back_dated_ballots(tmp_path: Path) -> None:
    """The operator adds its own witness's cosignature of the last tree head, dated inside the window, to the
    back-dated export: a genuine signature, but under a key nobody pinned, so its time does not count."""
    built = _back_dated(tmp_path, 3_600_000)
    lines = read_lines(built.path)
    last = max(i for i, line in enumerate(lines) if line["type"] == "tree_head")
    head = SignedTreeHead.from_text(lines[last]["checkpoint"])
    key = Ed25519PrivateKey.generate()
    vouched = WitnessCosignature(
        head.size, public_key_bytes(key.public_key()), cosign(head.head, "witness.operator.kg", key, head.timestamp)
    )
    lines.insert(last + 1, {**vouched.to_json(), "type": "cosignature"})
    lines[-1]["cosignatures"] += 1
    write_lines(built.path, lines)
    report = verify(built.path)
    assert report.check(1).status is Status.PASS and report.check(3).status is Status.PASS
    assert "witness.operator.kg" in report.check(3).evidence["unpinned_signers"]
    assert report.check(24).status is Status.FAIL


def test_witnesses_a_minute_ahead_of_the_log_are_within_the_clock_tolerance(tmp_path: Path) -> None:
    built = _back_dated(tmp_path, 60_000)
    check = verify(built.path).check(24)
    assert check.status is Status.PASS, check.message
    assert check.evidence["witness_times_compared"] is True
    assert "witnessed by" in check.message


def test_the_witnessed_time_is_when_enough_pinned_witnesses_had_cosigned_a_covering_head() -> None:
    """Heads of sizes 2, 5 and 9. Witness a cosigned 5 at t=50 and 9 at t=90; witness b only 9, at t=70."""
    witnesses = WitnessesEstablished(
        read_only({"a": b"a" * 32, "b": b"b" * 32}),
        (WitnessTime(5, "a", 50), WitnessTime(9, "b", 70), WitnessTime(9, "a", 90)),
    )
    # One witness: an entry below 2 or 5 is vouched for at 50 (a's cosignature of 5 covers it); below 9 at 70.
    assert witnessed_times(witnesses, [2, 5, 9], 1) == [50, 50, 70]
    # Two witnesses: b's first cosignature of a covering head is at 70, so nothing is vouched for by both before.
    assert witnessed_times(witnesses, [2, 5, 9], 2) == [70, 70, 90]
    assert witnessed_times(witnesses, [2, 5, 9], 3) == [None, None, None]

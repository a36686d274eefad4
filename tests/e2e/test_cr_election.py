"""A coercion-resistant election end to end in process (cli.cr_election): the coercer's ballots, cast with fake
credentials that passed his check of the designated-verifier proof, are dropped; re-voters change their choice and
their LAST ballot counts (the first in an election without re-voting); the result counts exactly every real voter's
last choice, once each."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from cli.cr_election import run_cr_election
from observer.report import Status
from observer.verify import verify


def test_the_result_counts_exactly_every_real_voters_last_choice(tmp_path: Path) -> None:
    run = run_cr_election(tmp_path / "board.jsonl", voters=8, coerced=3, revoters=2)
    assert run.coercer_checks_passed == 3
    assert run.result["ballots"] == 8 + 3 + 2
    assert (run.result["kept"], run.result["unmatched"], run.result["duplicates"]) == (8, 3, 2)
    assert len(run.revotes) == 2 and all(earlier != last for earlier, last in run.revotes)
    for contest_id, expected in run.expected.items():
        counted = {i: n for i, n in enumerate(run.result["counts"][contest_id]) if n}
        assert counted == dict(expected)
        # Had the re-voters' earlier ballots counted instead, the counts would differ (they changed their choice).
        if_earlier = Counter(expected)
        for earlier, last in run.revotes:
            if_earlier[last[contest_id]] -= 1
            if_earlier[earlier[contest_id]] += 1
        assert counted != {i: n for i, n in if_earlier.items() if n}
    assert (tmp_path / "board.jsonl").stat().st_size > 0


def test_without_re_voting_the_first_ballot_of_a_credential_counts_and_verifies(tmp_path: Path) -> None:
    # policy.revoting_allowed = false: the server cannot refuse a second ballot (it cannot see the credential), so
    # the tally keeps the FIRST ballot of each credential (keep_first) and the verifier recomputes it (check 47).
    path = tmp_path / "board.jsonl"
    run = run_cr_election(path, voters=6, coerced=2, revoters=2, revoting=False)
    assert not run.manifest.policy.revoting_allowed
    assert (run.result["kept"], run.result["unmatched"], run.result["duplicates"]) == (6, 2, 2)
    for contest_id, expected in run.expected.items():
        counted = {i: n for i, n in enumerate(run.result["counts"][contest_id]) if n}
        assert counted == dict(expected)
        if_last = Counter(expected)
        for earlier, last in run.revotes:
            if_last[earlier[contest_id]] -= 1
            if_last[last[contest_id]] += 1
        assert counted != {i: n for i, n in if_last.items() if n}
    report = verify(path)
    assert report.passed, [c.to_json() for c in report.checks if c.status is Status.FAIL]
    assert all(report.check(n).status is Status.PASS for n in (45, 46, 47, 48, 49))

"""A coercion-resistant election end to end in process (cli.cr_election): the coercer's ballots, cast with fake
credentials that passed his check of the designated-verifier proof, are dropped; the result counts exactly the
voters' real choices, once each."""

from __future__ import annotations

from pathlib import Path

from cli.cr_election import run_cr_election


def test_the_result_counts_exactly_the_real_choices(tmp_path: Path) -> None:
    run = run_cr_election(tmp_path / "board.jsonl", voters=8, coerced=3, revoters=2)
    assert run.coercer_checks_passed == 3
    assert run.result["ballots"] == 8 + 3 + 2
    assert (run.result["kept"], run.result["unmatched"], run.result["duplicates"]) == (8, 3, 2)
    for contest_id, expected in run.expected.items():
        counts = run.result["counts"][contest_id]
        assert {i: n for i, n in enumerate(counts) if n} == dict(expected)
    assert (tmp_path / "board.jsonl").stat().st_size > 0

"""Results from paper precinct protocols: the same rules engine as the encrypted tally, names or ids, annulments."""

from __future__ import annotations

from typing import Any

import pytest

from elections.presets import build_preset
from elections.protocols import ProtocolError, results_from_protocols

MANIFEST = build_preset("president")


def _protocol(precinct: str, votes: dict[str, int], registered: int = 1000, invalid: int = 0) -> dict[str, Any]:
    took_part = sum(votes.values()) + invalid
    return {
        "precinct_id": precinct,
        "registered": registered,
        "took_part": took_part,
        "invalid": invalid,
        "votes": {"president": votes},
    }


def _winner(results: Any) -> tuple[str, tuple[str, ...]]:
    contest = results.contest("president")
    return contest.outcome, tuple(contest.elected)


def test_names_in_any_language_count_as_the_selection_ids() -> None:
    first = MANIFEST.candidates[0]
    by_id = results_from_protocols(MANIFEST, [_protocol("pr0001", {first.candidate_id: 600, "c0002": 100})])
    by_name = results_from_protocols(MANIFEST, [_protocol("pr0001", {first.name.en: 600, "c0002": 100})])
    by_kyrgyz = results_from_protocols(MANIFEST, [_protocol("pr0001", {first.name.ky: 600, "c0002": 100})])
    assert by_id == by_name == by_kyrgyz
    assert _winner(by_id) == ("elected", (first.candidate_id,))


def test_annulling_a_precinct_recomputes_the_result_without_it() -> None:
    protocols = [
        _protocol("pr0001", {"c0001": 900, "c0002": 50}),
        _protocol("pr0002", {"c0001": 100, "c0002": 700}),
        _protocol("pr0003", {"c0001": 100, "c0002": 200}),
    ]
    assert _winner(results_from_protocols(MANIFEST, protocols)) == ("elected", ("c0001",))
    annulled = results_from_protocols(MANIFEST, protocols, annulled={"pr0001": "ballot stuffing on video"})
    assert _winner(annulled) == ("elected", ("c0002",))
    assert annulled.contest("president").took_part == 1100


@pytest.mark.parametrize(
    ("protocols", "says"),
    [
        ([_protocol("pr0001", {"Nobody Known": 5})], "no selection named"),
        ([_protocol("mars-1", {"c0001": 5})], "not in the manifest"),
        ([_protocol("pr0001", {"c0001": 5}), _protocol("pr0001", {"c0001": 5})], "two protocols"),
        ([{**_protocol("pr0001", {"c0001": 5}), "took_part": 2}], "more votes than valid ballots"),
        ([_protocol("pr0001", {"c0001": -1})], "whole number"),
        ([_protocol("pr0001", {"c0001": 5}, registered=3)], "took part ≤ registered"),
    ],
)
def test_a_protocol_that_cannot_be_counted_is_refused(protocols: list[dict[str, Any]], says: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        results_from_protocols(MANIFEST, protocols)
    assert refused.value.code == "invalid_protocol" and says in refused.value.message


def test_the_command_computes_results_offline_with_an_annulment(tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from cli.main import app

    path = tmp_path / "protocols.json"
    path.write_text(
        json.dumps([_protocol("pr0001", {"c0001": 900, "c0002": 50}), _protocol("pr0002", {"c0002": 700})]),
        encoding="utf-8",
    )
    out = tmp_path / "results.json"
    args = ["admin", "results-from-protocols", str(path), "--preset", "president", "--json", str(out)]
    result = CliRunner().invoke(app, [*args, "--annul", "pr0001=ballot stuffing on video"])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["annulled"] == {"pr0001": "ballot stuffing on video"}
    assert next(c for c in written["contests"] if c["contest_id"] == "president")["elected"] == ["c0002"]
    refused = CliRunner().invoke(app, [*args, "--annul", "pr0001"])
    assert refused.exit_code == 2

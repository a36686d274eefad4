"""Check 18: a runoff's board names the first round's result (``previous_election``) and holds exactly its runoff
candidates; ``shailoo verify --previous-export FIRST`` checks it, and a runoff with another candidate fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from elections.manifest import Manifest
from elections.results_model import ElectionResults
from elections.runoff import runoff_manifest
from observer.context import VerifyOptions
from observer.verify import verify
from tests.observer.election import BuiltElection, build_election


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuiltElection, ElectionResults]:
    built = build_election(tmp_path_factory.mktemp("first") / "export.jsonl", voters=6, revotes=0)
    result = built.board.entry(built.indices["result"][0]).payload
    return built, ElectionResults.model_validate(result["results"])


def _runoff(first: tuple[BuiltElection, ElectionResults]) -> Manifest:
    built, results = first
    manifest = built.manifest
    return runoff_manifest(
        manifest,
        results,
        election_id=f"{manifest.election_id}-r2",
        voting_opens=manifest.dates.voting_opens,
        voting_closes=manifest.dates.voting_closes,
    )


def test_the_runoff_link_is_checked_against_the_first_rounds_export(
    first: tuple[BuiltElection, ElectionResults], tmp_path: Path
) -> None:
    assert first[1].contests[0].outcome == "runoff_needed", first[1].contests[0]
    runoff = build_election(tmp_path / "runoff.jsonl", voters=4, revotes=0, manifest=_runoff(first))
    report = verify(runoff.path, VerifyOptions(previous_export=first[0].path))
    assert report.check(18).status == "pass", report.check(18).to_json()
    assert report.passed, [c.to_json() for c in report.failed()]
    assert verify(runoff.path).check(18).status == "skipped"  # without the first round's export
    command = ["verify", str(runoff.path), "--previous-export", str(first[0].path), "--no-progress"]
    assert CliRunner().invoke(app, command).exit_code == 0
    assert verify(first[0].path).check(18).status == "pass"  # not a runoff


def test_a_runoff_with_a_candidate_who_was_not_in_the_top_two_fails_check_18(
    first: tuple[BuiltElection, ElectionResults], tmp_path: Path
) -> None:
    honest = _runoff(first)
    data = honest.to_canonical_dict()
    full = first[0].manifest.to_canonical_dict()
    pair = set(first[1].contests[0].runoff)
    outsider = next(c for c in full["candidates"] if c["candidate_id"] not in pair)
    replaced = sorted(pair)[0]
    data["candidates"] = [outsider if c["candidate_id"] == replaced else c for c in data["candidates"]]
    selection = next(s for s in full["contests"][0]["selections"] if s["candidate_id"] == outsider["candidate_id"])
    data["contests"][0]["selections"] = [
        selection if s["selection_id"] == replaced else s for s in data["contests"][0]["selections"]
    ]
    forged = Manifest.from_dict(data)  # differs from the honest runoff only in that candidate
    runoff = build_election(tmp_path / "runoff.jsonl", voters=4, revotes=0, manifest=forged)
    check = verify(runoff.path, VerifyOptions(previous_export=first[0].path)).check(18)
    assert check.status == "fail" and check.evidence["code"] == "runoff_candidates", check.to_json()

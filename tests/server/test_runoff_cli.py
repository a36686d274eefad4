"""``shailoo admin runoff``: the runoff's manifest from the first round's manifest and results, loaded as a new
election on an empty server; refused when no runoff is due."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bulletin_board.entries import EntryKind
from cli.main import app
from elections.manifest import Manifest
from elections.presets import build_preset
from elections.protocols import results_from_protocols
from elections.runoff import check_runoff_link
from tests.server.harness import Election
from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN

FIRST = build_preset("president")


def _files(tmp_path: Path, votes: dict[str, int]) -> list[str]:
    protocol = {
        "precinct_id": "pr0001",
        "registered": 5000,
        "took_part": sum(votes.values()),
        "votes": {"president": votes},
    }
    results = results_from_protocols(FIRST, [protocol])
    (tmp_path / "first.json").write_text(json.dumps(FIRST.to_canonical_dict()))
    (tmp_path / "results.json").write_text(json.dumps(results.to_canonical_dict()))
    return ["--first-manifest", str(tmp_path / "first.json"), "--first-results", str(tmp_path / "results.json")]


def _runoff(*args: str) -> object:
    window = ["--voting-opens", "2021-01-24T02:00:00Z", "--voting-closes", "2021-01-24T14:00:00Z"]
    where = ["--server", "http://shailoo.test", "--token", DEVELOPMENT_OPERATOR_TOKEN]
    return CliRunner().invoke(app, ["admin", "runoff", *args, "--election-id", "kg-president-2021-r2", *window, *where])


def test_the_runoff_is_loaded_as_a_new_election_linked_to_the_first(election: Election, tmp_path: Path) -> None:
    files = _files(tmp_path, {"c0003": 400, "c0001": 350, "c0002": 300})
    result = _runoff(*files, "--out", str(tmp_path / "runoff.json"))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    entry = election.components.board.entry(0)
    assert entry.kind is EntryKind.MANIFEST
    posted = Manifest.from_dict(entry.payload["manifest"])
    assert posted.election_id == "kg-president-2021-r2"
    assert {c.candidate_id for c in posted.candidates} == {"c0001", "c0003"}
    assert posted.registrar_key is not None  # the runoff server's registrar key, pinned
    first_results = results_from_protocols(
        FIRST,
        [{"precinct_id": "pr0001", "registered": 5000, "took_part": 1050,
          "votes": {"president": {"c0003": 400, "c0001": 350, "c0002": 300}}}],
    )  # fmt: skip
    check_runoff_link(posted, FIRST, first_results)
    assert json.loads((tmp_path / "runoff.json").read_text())["previous_election"]["election_id"] == FIRST.election_id


def test_no_runoff_when_the_first_round_elected_a_president(election: Election, tmp_path: Path) -> None:
    result = _runoff(*_files(tmp_path, {"c0003": 900, "c0001": 100}))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "no_runoff" in result.output  # type: ignore[attr-defined]
    assert election.components.board.size == 0

"""``shailoo admin manifest`` from candidate files and the rehearsal's options; the waiting of ``admin status``;
``admin device --new-key``.

The candidate file goes through the registration checks of `elections.candidates`: a file with any problem is
refused whole, one line per problem, and nothing reaches the board."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

import cli.admin
from cli.main import app
from tests.server.harness import Election
from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
WINDOW = ["--voting-opens", "2027-01-10T02:00:00Z", "--voting-closes", "2027-01-10T14:00:00Z"]


def admin(*args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["admin", *args, "--server", "http://shailoo.test", "--token", DEVELOPMENT_OPERATOR_TOKEN]
    )
    return result.exit_code, result.output


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_the_manifest_takes_the_registered_candidates_of_a_file(election: Election, tmp_path: Path) -> None:
    code, output = admin(
        "manifest", "--preset", "president", "--candidates", str(EXAMPLES / "president-candidates.csv"),
        *WINDOW, "--out", str(tmp_path / "m.json"),
    )  # fmt: skip
    assert code == 0, output
    assert "manifest loaded" in output
    manifest = election.components.election.state().require_manifest()
    assert [c.candidate_id for c in manifest.candidates] == ["k001", "k002", "k003"]
    assert manifest.candidate("k001").name.en == "Aigul Bekova"
    ballot = [s.selection_id for s in manifest.contest("president").selections]
    assert ballot == ["k001", "k002", "k003", "against_all"]  # the ballot is rebuilt from the file
    assert json.loads((tmp_path / "m.json").read_text())["candidates"][2]["candidate_id"] == "k003"


def test_a_candidate_file_with_problems_is_refused_one_line_each_and_nothing_is_posted(
    election: Election, tmp_path: Path
) -> None:
    rows = _rows(EXAMPLES / "president-candidates.csv")
    rows[0]["birth_date"] = "2000-01-01"  # 27 on election day: a president is at least 35
    rows[2]["documents"] = "application"  # the identity document and income declaration are missing
    bad = _write(tmp_path / "bad.csv", rows)
    code, output = admin("manifest", "--preset", "president", "--candidates", str(bad), *WINDOW)
    assert code == 1, output
    lines = [line for line in output.splitlines() if line.startswith("refused")]
    assert len(lines) == 2, output
    assert lines[0].startswith("refused (invalid_candidates) row 1, birth_date: under_age:"), lines
    assert lines[1].startswith("refused (invalid_candidates) row 3, documents: documents_missing:"), lines
    assert "nothing was posted" in output
    assert election.components.board.size == 0


def test_ages_are_checked_on_the_election_day_of_the_window_given(election: Election, tmp_path: Path) -> None:
    """A candidate 35 on the new election day but not on the preset's (2021) is accepted: the window is applied
    before the registration checks."""
    rows = _rows(EXAMPLES / "president-candidates.csv")
    rows[1]["birth_date"] = "1990-06-01"  # 36 on 2027-01-10, 30 on the preset's 2021-01-10
    path = _write(tmp_path / "c.csv", rows)
    code, output = admin("manifest", "--preset", "president", "--candidates", str(path), *WINDOW, "--dry-run")
    assert code == 0, output
    code, output = admin("manifest", "--preset", "president", "--candidates", str(path), "--dry-run")
    assert code == 1 and "under_age" in output, output


def test_region_and_early_close_options(election: Election) -> None:
    code, output = admin("manifest", "--preset", "president", "--region", "bishkek", *WINDOW, "--allow-early-close")
    assert code == 0, output
    manifest = election.components.election.state().require_manifest()
    assert [s.style_id for s in manifest.ballot_styles] == ["s-bishkek"]  # one style: one issuer key
    assert {p.region_id for p in manifest.precincts} == {"bishkek"}
    assert manifest.policy.early_close_allowed
    assert manifest.to_canonical_dict()["policy"]["early_close_allowed"] is True  # in the hashed manifest


def test_an_unknown_region_or_a_lone_early_close_is_refused_before_anything_is_posted(election: Election) -> None:
    code, output = admin("manifest", "--preset", "president", "--region", "mars", *WINDOW)
    assert code == 2 and "mars" in output, output
    code, output = admin("manifest", "--preset", "president", "--allow-early-close")
    assert code == 2 and "--allow-early-close" in output, output
    assert election.components.board.size == 0


def test_status_waits_for_a_phase_and_refuses_an_unknown_one(election: Election) -> None:
    code, output = admin("status", "--wait-for", "setup", "--timeout", "5")
    assert code == 0 and "phase setup" in output, output
    code, output = admin("status", "--wait-for", "voting", "--timeout", "0")
    assert code == 1 and "(wait_timeout) phase setup" in output, output
    code, output = admin("status", "--wait-for", "counted")
    assert code == 2, output


def _export(entries: int, cosigned: dict[str, int]) -> bytes:
    lines: list[dict[str, object]] = [{"type": "header"}]
    lines += [{"type": "entry", "kind": "ballot"} for _ in range(entries)]
    lines.append({"type": "tree_head", "checkpoint": "…"})
    lines += [{"type": "cosignature", "witness": name, "size": size} for name, size in cosigned.items()]
    return b"\n".join(json.dumps(line).encode() for line in lines)


def test_the_final_head_counts_only_cosignatures_of_its_whole_size() -> None:
    assert cli.admin.final_head_cosigners(_export(5, {"w1": 5, "w2": 4})) == {"w1"}
    assert cli.admin.final_head_cosigners(_export(5, {})) == set()


def test_a_new_device_key_is_never_overwritten(election: Election, tmp_path: Path) -> None:
    key = tmp_path / "terminal.key"
    key.write_text("kept\n")
    code, output = admin("device", "--device-id", "precinct-0015-idterminal", "--key-file", str(key), "--new-key")
    assert code == 2 and "never overwritten" in output, output
    assert key.read_text() == "kept\n"
    assert election.components.board.size == 0


PARTY_HEADER = "party_id,name_ky,name_ru,name_en,ballot_order\n"


def test_the_manifest_takes_the_registered_parties_of_a_file(election: Election, tmp_path: Path) -> None:
    parties = tmp_path / "parties.csv"
    parties.write_text(
        PARTY_HEADER + "p02,«Мекен»,«Родина»,Homeland Party,1\np01,«Ынтымак»,«Единство»,Unity Party,2\n"
        "p30,«Жаңы»,«Новая»,New Party,3\n",
        encoding="utf-8",
    )
    code, output = admin(
        "manifest", "--preset", "city", "--parties", str(parties), *WINDOW, "--out", str(tmp_path / "m")
    )
    assert code == 0, output
    manifest = election.components.election.state().require_manifest()
    assert [(p.party_id, p.ballot_order) for p in manifest.parties] == [("p02", 1), ("p01", 2), ("p30", 3)]
    assert manifest.party("p30").name.en == "New Party"
    assert {c.party_id for c in manifest.candidates} == {"p01", "p02"}  # the other parties' lists are gone
    selections = [s.selection_id for s in manifest.contest("city-list").selections]
    assert [s for s in selections if "#" not in s] == ["p02", "p01", "p30", "against_all"]
    assert "p01#45" in selections and not any(s.startswith("p30#") for s in selections)


def test_a_party_file_with_problems_is_refused_one_line_each(election: Election, tmp_path: Path) -> None:
    parties = tmp_path / "parties.json"
    parties.write_text(
        json.dumps([
            {"party_id": "p01", "name": {"ky": "Ы", "ru": "Е", "en": "Unity"}, "ballot_order": 1},
            {"party_id": "p02", "name": {"ky": "", "ru": "Р", "en": "Homeland"}, "ballot_order": 1},
        ]),
        encoding="utf-8",
    )  # fmt: skip
    code, output = admin("manifest", "--preset", "city", "--parties", str(parties), *WINDOW)
    assert code == 1, output
    lines = [line for line in output.splitlines() if line.startswith("refused")]
    assert lines == [
        "refused (invalid_parties) row 2, name_ky: missing_field: name_ky is required",
        "refused (invalid_parties) row 2, ballot_order: duplicate_ballot_order: ballot place 1 is given twice",
    ], output
    assert "in the party file; nothing was posted" in output
    assert election.components.board.size == 0

"""Candidate registration import: every check refuses the row (or list) it is about, with its stable code, and a
refused file yields no manifest."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from elections.candidates import CandidateImportError, RegistrationRules, import_candidates
from elections.manifest import Manifest
from elections.presets import build_preset

DOCS = "application;identity_document;income_declaration"


def _row(i: int, **over: Any) -> dict[str, Any]:
    row = {
        "candidate_id": f"k{i:03d}",
        "name_ky": f"Талапкер {i}",
        "name_ru": f"Кандидат {i}",
        "name_en": f"Candidate {i}",
        "gender": "male" if i % 2 else "female",
        "birth_date": "1970-05-01",
        "party_id": "",
        "list_position": "",
        "district_id": "kg",
        "registered_at": f"2020-12-{1 + i // 60:02d}T10:{i % 60:02d}:00Z",
        "documents": DOCS,
    }
    row.update(over)
    return row


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def president() -> Manifest:
    return build_preset("president")


@pytest.fixture(scope="module")
def parliament() -> Manifest:
    return build_preset("parliament-2021")


def _codes(error: pytest.ExceptionInfo[CandidateImportError]) -> list[tuple[int, str, str]]:
    return [(p.row, p.field, p.code) for p in error.value.problems]


def test_valid_csv_gives_the_manifests_candidates_and_ballot(president: Manifest) -> None:
    rows = [_row(i) for i in range(1, 4)]
    result = import_candidates(_csv(rows), "csv", president)
    assert result.candidates == 3
    assert [c.candidate_id for c in result.manifest.candidates] == ["k001", "k002", "k003"]
    selections = [s.selection_id for s in result.manifest.contest("president").selections]
    assert selections == ["k001", "k002", "k003", "against_all"]
    # Birth dates and documents are checked, never published.
    assert "1970-05-01" not in json.dumps(result.manifest.to_canonical_dict())


def test_json_file_with_localized_name_and_document_list(president: Manifest) -> None:
    rows = [
        {**_row(1), "documents": DOCS.split(";"), "name": {"ky": "А", "ru": "Б", "en": "C"}},
    ]
    for r in rows:
        for k in ("name_ky", "name_ru", "name_en"):
            del r[k]
    result = import_candidates(json.dumps(rows), "json", president)
    assert result.manifest.candidate("k001").name.en == "C"


def test_missing_document_is_refused_by_row(president: Manifest) -> None:
    rows = [_row(1), _row(2, documents="application;identity_document")]
    with pytest.raises(CandidateImportError) as e:
        import_candidates(_csv(rows), "csv", president)
    assert _codes(e) == [(2, "documents", "documents_missing")]


def test_age_on_election_day_is_checked_to_the_day(president: Manifest) -> None:
    # The president preset votes on 2021-01-10; 35 is the youngest age (RegistrationRules.min_age).
    exactly_35 = _row(1, birth_date="1986-01-10")
    a_day_short = _row(2, birth_date="1986-01-11")
    too_old = _row(3, birth_date="1950-01-09")
    with pytest.raises(CandidateImportError) as e:
        import_candidates(_csv([exactly_35, a_day_short, too_old]), "csv", president)
    assert _codes(e) == [(2, "birth_date", "under_age"), (3, "birth_date", "over_age")]


def test_every_problem_is_reported_at_once(president: Manifest) -> None:
    rows = [
        _row(1, gender="x"),
        _row(1),
        _row(3, district_id="nowhere", birth_date="1 May 1970"),
        _row(4, registered_at="2020-12-01 10:00"),
    ]
    with pytest.raises(CandidateImportError) as e:
        import_candidates(_csv(rows), "csv", president)
    assert _codes(e) == [
        (1, "gender", "invalid_field"),
        (2, "candidate_id", "duplicate_candidate"),
        (3, "district_id", "unknown_district"),
        (3, "birth_date", "invalid_field"),
        (4, "registered_at", "invalid_field"),
    ]


def test_bad_header_and_empty_file(president: Manifest) -> None:
    with pytest.raises(CandidateImportError) as e:
        import_candidates("candidate_id,gender\n", "csv", president)
    assert _codes(e) == [(0, "file", "bad_header")]
    with pytest.raises(CandidateImportError) as e:
        import_candidates("[]", "json", president)
    assert _codes(e) == [(0, "file", "no_candidates")]
    with pytest.raises(CandidateImportError) as e:
        import_candidates("{", "json", president)
    assert _codes(e) == [(0, "file", "bad_file")]


def _list(party: str, genders: str, first: int) -> list[dict[str, Any]]:
    return [
        _row(
            first + k,
            gender="female" if g == "F" else "male",
            birth_date="1980-01-01",
            party_id=party,
            list_position=str(k + 1),
            district_id="",
        )
        for k, g in enumerate(genders)
    ]


def test_party_lists_fill_the_list_contest(parliament: Manifest) -> None:
    rows = _list("p01", "MMFMMF", 1) + _list("p02", "FMFMFM", 10)
    manifest = import_candidates(_csv(rows), "csv", parliament).manifest
    assert [c.candidate_id for c in manifest.party_list("p01")] == [f"k{i:03d}" for i in range(1, 7)]
    ids = [s.selection_id for s in manifest.contest("party-list").selections]
    assert "p01#6" in ids and "p01#7" not in ids and "p03" in ids and "p03#1" not in ids


def test_list_with_a_long_run_of_one_gender_is_refused(parliament: Manifest) -> None:
    # 4 of 6 men (67 %, within the 70 % share) but four in a row.
    rows = _list("p01", "MMMMFF", 1)
    with pytest.raises(CandidateImportError) as e:
        import_candidates(_csv(rows), "csv", parliament)
    assert _codes(e) == [(0, "p01", "list_gender_run")]
    # The same list passes when the run limit is the parameter's 4.
    import_candidates(_csv(rows), "csv", parliament, RegistrationRules(list_max_gender_run=4))


def test_list_over_the_gender_share_is_refused(parliament: Manifest) -> None:
    # Runs of at most three, but 8 of 11 men (73 %).
    rows = _list("p01", "MMMFMMMFMMF", 1)
    with pytest.raises(CandidateImportError) as e:
        import_candidates(_csv(rows), "csv", parliament)
    assert _codes(e) == [(0, "p01", "list_gender_share")]
    rows[5]["gender"] = "female"  # 7 of 11 (64 %): passes
    import_candidates(_csv(rows), "csv", parliament)


def test_list_positions_with_a_gap_are_refused(parliament: Manifest) -> None:
    rows = _list("p01", "MFM", 1)
    rows[2]["list_position"] = "4"
    with pytest.raises(CandidateImportError) as e:
        import_candidates(_csv(rows), "csv", parliament)
    assert _codes(e) == [(0, "p01", "list_positions")]


def test_single_gender_district_is_refused_in_jk_2025() -> None:
    jk = build_preset("parliament-2025")
    districts = [d.district_id for d in jk.districts]
    rows = []
    for n, d in enumerate(districts):
        for j in range(4):
            rows.append(_row(n * 10 + j, district_id=d, gender="female" if j == 0 else "male", birth_date="1980-01-01"))
    import_candidates(_csv(rows), "csv", jk)
    for r in rows:
        if r["district_id"] == districts[0]:
            r["gender"] = "male"
    with pytest.raises(CandidateImportError) as e:
        import_candidates(_csv(rows), "csv", jk)
    assert _codes(e) == [(0, districts[0], "district_single_gender")]


def test_a_list_candidate_may_name_the_party_by_its_name_in_any_language(parliament: Manifest) -> None:
    from elections.candidates import check_rows

    unity = parliament.party("p01").name
    rows = [
        _row(1, district_id="", party_id=unity.en.upper(), list_position="1"),
        _row(2, district_id="", party_id=f"  {unity.ru} ", list_position="2"),
        _row(3, district_id="", party_id="No Such Party", list_position="3"),
    ]
    out, problems = check_rows(rows, parliament, RegistrationRules())
    assert [c["party_id"] for c in out] == ["p01", "p01"]
    assert [(p.row, p.field, p.code) for p in problems if p.field == "party_id"] == [(3, "party_id", "unknown_party")]

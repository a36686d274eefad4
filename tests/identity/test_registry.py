"""The SQL voter registry: personal numbers, sealed records, and the CSV import report."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from identity.db import make_engine
from identity.errors import IdentityError, PersonalNumberError, RecordSealError, VoterNotFoundError
from identity.personal_number import check_personal_number, parse_personal_number
from identity.registry import (
    CSV_COLUMNS,
    SqlVoterRegistry,
    VoterRecord,
    VoterRow,
    open_record,
    record_to_csv_row,
    seal_record,
)
from tests.identity.conftest import make_personal_number, synthetic_template

KEY = bytes(range(32))
BIRTH = dt.date(1990, 3, 14)


def voter(pin: str | None = None, birth: dt.date = BIRTH, district: str = "Bishkek-1", seed: int = 7) -> VoterRecord:
    return VoterRecord(
        personal_number=pin or make_personal_number(birth),
        surname="Асанова",
        given_name="Айгүл",
        patronymic="Бакытовна",
        birth_date=birth,
        region="Бишкек",
        district=district,
        precinct="1001",
        face_template=synthetic_template(seed),
    )


@pytest.fixture
def registry(tmp_path: Path) -> SqlVoterRegistry:
    return SqlVoterRegistry(make_engine(f"sqlite:///{tmp_path / 'registry.db'}"), KEY)


# --- personal numbers ---------------------------------------------------------------------------------------


def test_personal_number_structure_is_parsed() -> None:
    number = parse_personal_number("21403199000042")
    assert (number.sex, number.birth_date, number.serial) == ("male", dt.date(1990, 3, 14), "00042")


@pytest.mark.parametrize(
    "value",
    [
        "2140319900004",
        "214031990000421",
        "3140319900004a",
        "31403199000042",
        "01403199000042",
        "13102199000042",
        "12902199100042",
        "２１４０３１９９０００４２",
        "",
    ],
    ids=["13_digits", "15_digits", "letter", "sex_3", "sex_0", "month_21", "feb_29_non_leap", "fullwidth", "empty"],
)
def test_malformed_personal_number_is_refused(value: str) -> None:
    with pytest.raises(PersonalNumberError) as caught:
        parse_personal_number(value)
    assert caught.value.code == "invalid_personal_number"


def test_personal_number_of_another_birth_date_is_refused() -> None:
    with pytest.raises(PersonalNumberError) as caught:
        check_personal_number("21403199000042", dt.date(1990, 3, 15))
    assert caught.value.code == "personal_number_date_mismatch"


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.sampled_from("12"),
    st.from_regex(r"\A[0-9]{5}\Z"),
)
def test_every_real_date_makes_a_valid_personal_number(birth: dt.date, sex: str, serial: str) -> None:
    number = check_personal_number(make_personal_number(birth, sex, serial), birth)
    assert number.birth_date == birth and number.serial == serial


# --- sealed rows --------------------------------------------------------------------------------------------


def test_sealed_row_round_trips_and_hides_the_private_fields() -> None:
    record = voter()
    row = seal_record(record, KEY)
    assert open_record(row, KEY) == record
    assert "Асанова".encode() not in row.sealed and record.face_template.to_bytes()[1:20] not in row.sealed


def test_row_whose_district_was_edited_in_the_database_fails_to_open() -> None:
    row = seal_record(voter(), KEY)
    row.district = "Osh-2"
    with pytest.raises(RecordSealError):
        open_record(row, KEY)


def test_sealed_blob_moved_to_another_voters_row_fails_to_open() -> None:
    victim = seal_record(voter(), KEY)
    other = seal_record(voter(make_personal_number(BIRTH, serial="00077")), KEY)
    other.sealed = victim.sealed
    with pytest.raises(RecordSealError):
        open_record(other, KEY)


def test_row_sealed_under_another_key_fails_to_open() -> None:
    with pytest.raises(RecordSealError):
        open_record(seal_record(voter(), KEY), bytes(32))


def test_lookup_and_unknown_voter(registry: SqlVoterRegistry) -> None:
    registry.add(voter())
    assert registry.lookup(voter().personal_number) == voter()
    with pytest.raises(VoterNotFoundError):
        registry.lookup(make_personal_number(BIRTH, serial="99999"))


def test_adding_a_voter_twice_is_refused(registry: SqlVoterRegistry) -> None:
    registry.add(voter())
    with pytest.raises(IdentityError) as caught:
        registry.add(voter())
    assert caught.value.code == "duplicate_personal_number"


# --- CSV import ---------------------------------------------------------------------------------------------


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_csv_import_reports_each_rejected_row_and_writes_none_of_them(registry: SqlVoterRegistry) -> None:
    good = [voter(make_personal_number(BIRTH, serial=f"{i:05d}")) for i in range(3)]
    rows = [record_to_csv_row(v) for v in good]
    bad_date = {**rows[0], "personal_number": make_personal_number(BIRTH, serial="10001"), "birth_date": "1990-03-15"}
    bad_pin = {**rows[0], "personal_number": "31403199010002"}
    no_name = {**rows[0], "personal_number": make_personal_number(BIRTH, serial="10003"), "surname": " "}
    bad_template = {**rows[0], "personal_number": make_personal_number(BIRTH, serial="10004"), "face_template": "!!"}
    not_a_date = {**rows[0], "personal_number": make_personal_number(BIRTH, serial="10005"), "birth_date": "14.03.1990"}
    duplicate = dict(rows[1])
    text = csv_text([rows[0], bad_date, rows[1], bad_pin, no_name, bad_template, not_a_date, duplicate, rows[2]])
    report = registry.import_csv(text)
    assert report.imported == 3
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "personal_number_date_mismatch"),
        (5, "invalid_personal_number"),
        (6, "missing_field"),
        (7, "template_invalid"),
        (8, "invalid_birth_date"),
        (9, "duplicate_personal_number"),
    ]
    assert registry.count() == 3
    assert [registry.lookup(v.personal_number) for v in good] == good
    for row in (bad_date, no_name, bad_template, not_a_date):
        with pytest.raises(VoterNotFoundError):
            registry.lookup(row["personal_number"])


def test_csv_import_from_a_file_and_again_rejects_the_already_registered(
    registry: SqlVoterRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "voters.csv"
    path.write_text(csv_text([record_to_csv_row(voter())]), encoding="utf-8")
    assert registry.import_csv(path).ok
    again = registry.import_csv(path)
    assert again.imported == 0 and [r.reason for r in again.rejected] == ["duplicate_personal_number"]


def test_csv_with_a_wrong_header_imports_nothing(registry: SqlVoterRegistry) -> None:
    report = registry.import_csv("pin,name\n21403199000042,X\n")
    assert report.imported == 0 and report.rejected[0].reason == "bad_header"
    assert registry.count() == 0


def test_csv_row_with_extra_fields_is_rejected(registry: SqlVoterRegistry) -> None:
    text = csv_text([record_to_csv_row(voter())]).rstrip("\n") + ",surplus\n"
    report = registry.import_csv(text)
    assert [r.reason for r in report.rejected] == ["extra_fields"] and registry.count() == 0


def test_record_refuses_a_personal_number_that_contradicts_the_birth_date() -> None:
    with pytest.raises(PersonalNumberError):
        dataclasses.replace(voter(), birth_date=dt.date(1991, 3, 14))


def test_rows_store_no_name_in_clear(registry: SqlVoterRegistry) -> None:
    registry.add(voter())
    with Session(registry._engine) as session:
        row = session.get(VoterRow, voter().personal_number)
    assert row is not None and not hasattr(row, "surname")


def test_a_row_rolled_back_to_its_savepoint_leaves_the_others(registry: SqlVoterRegistry) -> None:
    """The SQLite engine must honour SAVEPOINT: undo one row, keep the rest of the transaction."""
    first, second = (
        voter(make_personal_number(BIRTH, serial="20001")),
        voter(make_personal_number(BIRTH, serial="20002")),
    )
    with Session(registry._engine) as session:
        session.add(seal_record(first, KEY))
        savepoint = session.begin_nested()
        session.add(seal_record(second, KEY))
        savepoint.rollback()
        session.commit()
    assert registry.lookup(first.personal_number) == first
    with pytest.raises(VoterNotFoundError):
        registry.lookup(second.personal_number)

"""The voter registry: who may be identified, where they vote, and their reference face template.

`VoterRegistry` is the one interface the issuance code uses. Implementations:

* `SqlVoterRegistry` — Shailoo's own table, filled by `SqlVoterRegistry.import_csv`;
* `identity.xroad.XRoadVoterRegistry` — the state data exchange (an X-Road-style REST service).

At rest, a voter row keeps the personal number, region, district and precinct in clear (needed to route and count)
and *seals* the rest — names, birth date, reference face template — with AES-256-GCM under the settings' template
key. The associated data binds the sealed blob to its row: ``lp(tag) || lp(personal_number) || lp(region) ||
lp(district) || lp(precinct)`` with ``tag = "SHAILOO-V1/identity/voter_record"``, so a blob moved to another row,
or a row whose district was edited in the database, fails to open (``record_unsealable``).
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import io
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Column, Field, Session, func, select

from crypto.canonical import canonical_json
from crypto.hashing import domain_tag, length_prefixed
from identity.db import IdentityTable, create_identity_tables
from identity.errors import (
    IdentityError,
    PersonalNumberError,
    RecordSealError,
    TemplateInvalidError,
    VoterNotFoundError,
)
from identity.face import FaceTemplate
from identity.personal_number import check_personal_number

_SEAL_TAG: Final = "identity/voter_record"
_NONCE_BYTES: Final = 12
CSV_COLUMNS: Final = (
    "personal_number",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "region",
    "district",
    "precinct",
    "face_template",
)
_REQUIRED: Final = frozenset(CSV_COLUMNS) - {"patronymic"}
_MAX_TEXT: Final = 200


@dataclass(frozen=True)
class VoterRecord:
    """One voter as the registry knows them. Construction checks the personal number against the birth date."""

    personal_number: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: dt.date
    region: str
    district: str
    precinct: str
    face_template: FaceTemplate = field(repr=False)

    def __post_init__(self) -> None:
        check_personal_number(self.personal_number, self.birth_date)
        for name in ("surname", "given_name", "region", "district", "precinct"):
            value = getattr(self, name)
            if not value or not value.strip():
                raise IdentityError(f"{name} is empty", code="missing_field")
        for name in ("surname", "given_name", "patronymic", "region", "district", "precinct"):
            if len(getattr(self, name)) > _MAX_TEXT:
                raise IdentityError(f"{name} is longer than {_MAX_TEXT} characters", code="field_too_long")


class VoterRegistry(Protocol):
    """Where the issuance code looks voters up."""

    def lookup(self, personal_number: str) -> VoterRecord:
        """The voter with this personal number; raise `VoterNotFoundError` or `RegistryUnavailableError`."""
        ...


class VoterRow(IdentityTable, table=True):
    """A registry row: routing fields in clear, personal data and template sealed (see the module docstring)."""

    __tablename__ = "identity_voter"

    personal_number: str = Field(primary_key=True, max_length=14)
    region: str = Field(max_length=_MAX_TEXT)
    district: str = Field(max_length=_MAX_TEXT, index=True)
    precinct: str = Field(max_length=_MAX_TEXT)
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


def _associated_data(personal_number: str, region: str, district: str, precinct: str) -> bytes:
    parts = (domain_tag(_SEAL_TAG), *(s.encode("utf-8") for s in (personal_number, region, district, precinct)))
    return b"".join(length_prefixed(p) for p in parts)


def seal_record(record: VoterRecord, key: bytes) -> VoterRow:
    """The row for ``record``: ``sealed = nonce(12) || AES-256-GCM(canonical JSON of the private fields)``."""
    private = {
        "surname": record.surname,
        "given_name": record.given_name,
        "patronymic": record.patronymic,
        "birth_date": record.birth_date.isoformat(),
        "face_template": record.face_template.to_bytes().hex(),
    }
    nonce = secrets.token_bytes(_NONCE_BYTES)
    aad = _associated_data(record.personal_number, record.region, record.district, record.precinct)
    sealed = nonce + AESGCM(key).encrypt(nonce, canonical_json(private), aad)
    return VoterRow(
        personal_number=record.personal_number,
        region=record.region,
        district=record.district,
        precinct=record.precinct,
        sealed=sealed,
    )


def open_record(row: VoterRow, key: bytes) -> VoterRecord:
    """Decrypt and check a row; raise `RecordSealError` if the blob was altered, moved or sealed under another key."""
    aad = _associated_data(row.personal_number, row.region, row.district, row.precinct)
    try:
        plain = AESGCM(key).decrypt(row.sealed[:_NONCE_BYTES], row.sealed[_NONCE_BYTES:], aad)
    except InvalidTag as e:
        raise RecordSealError("a registry record fails authentication: wrong key or altered row") from e
    private = json.loads(plain)
    return VoterRecord(
        personal_number=row.personal_number,
        surname=private["surname"],
        given_name=private["given_name"],
        patronymic=private["patronymic"],
        birth_date=dt.date.fromisoformat(private["birth_date"]),
        region=row.region,
        district=row.district,
        precinct=row.precinct,
        face_template=FaceTemplate.from_bytes(bytes.fromhex(private["face_template"])),
    )


@dataclass(frozen=True)
class RejectedRow:
    """A CSV row that was not imported: its line number (the header is line 1) and why."""

    line: int
    reason: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    """What `SqlVoterRegistry.import_csv` did: rows imported and rows rejected (nothing of those was written)."""

    imported: int
    rejected: tuple[RejectedRow, ...]

    @property
    def ok(self) -> bool:
        return not self.rejected


def _record_from_csv(row: dict[str, str | None]) -> VoterRecord:
    missing = sorted(c for c in _REQUIRED if not (row.get(c) or "").strip())
    if missing:
        raise IdentityError(f"missing: {', '.join(missing)}", code="missing_field")
    text = {c: (row.get(c) or "").strip() for c in CSV_COLUMNS}
    try:
        birth = dt.date.fromisoformat(text["birth_date"])
    except ValueError as e:
        raise IdentityError("birth_date is not a date YYYY-MM-DD", code="invalid_birth_date") from e
    try:
        template = FaceTemplate.from_bytes(base64.b64decode(text["face_template"], validate=True))
    except (binascii.Error, ValueError) as e:
        raise TemplateInvalidError("face_template is not base64") from e
    return VoterRecord(
        personal_number=text["personal_number"],
        surname=text["surname"],
        given_name=text["given_name"],
        patronymic=text["patronymic"],
        birth_date=birth,
        region=text["region"],
        district=text["district"],
        precinct=text["precinct"],
        face_template=template,
    )


def record_to_csv_row(record: VoterRecord) -> dict[str, str]:
    """The CSV row (column → text) that imports as ``record``."""
    return {
        "personal_number": record.personal_number,
        "surname": record.surname,
        "given_name": record.given_name,
        "patronymic": record.patronymic,
        "birth_date": record.birth_date.isoformat(),
        "region": record.region,
        "district": record.district,
        "precinct": record.precinct,
        "face_template": base64.b64encode(record.face_template.to_bytes()).decode("ascii"),
    }


class SqlVoterRegistry:
    """The registry in Shailoo's database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, template_key: bytes) -> None:
        if len(template_key) != 32:
            raise ValueError("the template key is 32 bytes (AES-256-GCM)")
        self._engine = engine
        self._key = template_key
        create_identity_tables(engine)

    def lookup(self, personal_number: str) -> VoterRecord:
        with Session(self._engine) as session:
            row = session.get(VoterRow, personal_number)
        if row is None:
            raise VoterNotFoundError("no voter with this personal number is on the register")
        return open_record(row, self._key)

    def add(self, record: VoterRecord) -> None:
        """Insert one voter; raise ``duplicate_personal_number`` if already registered."""
        with Session(self._engine) as session:
            session.add(seal_record(record, self._key))
            try:
                session.commit()
            except IntegrityError as e:
                raise IdentityError(
                    "this personal number is already registered", code="duplicate_personal_number"
                ) from e

    def add_all(self, records: Iterable[VoterRecord]) -> None:
        """Insert several voters in one transaction (all or none); ``duplicate_personal_number`` if one exists."""
        with Session(self._engine) as session:
            session.add_all([seal_record(r, self._key) for r in records])
            try:
                session.commit()
            except IntegrityError as e:
                raise IdentityError("a personal number is already registered", code="duplicate_personal_number") from e

    def count(self) -> int:
        with Session(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(VoterRow)).one())

    def counts_by_district(self) -> dict[tuple[str, str], int]:
        """Voters on the register per (region, district), from the routing fields kept in clear (nothing is
        decrypted): what the registrar's register counts are made of."""
        query = select(VoterRow.region, VoterRow.district, func.count()).group_by(VoterRow.region, VoterRow.district)
        with Session(self._engine) as session:
            return {(region, district): int(n) for region, district, n in session.exec(query).all()}

    def import_csv(self, source: Path | str) -> ImportReport:
        """Import voters from CSV (a `Path` is read as UTF-8; a `str` is the CSV text itself).

        Columns: ``personal_number,surname,given_name,patronymic,birth_date,region,district,precinct,face_template``
        (birth date ``YYYY-MM-DD``; template base64 of its 1025 bytes). Every row is checked on its own and
        inserted in its own savepoint: a rejected row leaves nothing behind; accepted rows are committed together.
        Reasons: ``missing_field``, ``invalid_birth_date``, ``invalid_personal_number``,
        ``personal_number_date_mismatch``, ``template_invalid``, ``field_too_long``, ``duplicate_personal_number``,
        ``extra_fields``, ``bad_header`` (line 1; nothing imported).
        """
        text = source.read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
        reader = csv.DictReader(io.StringIO(text))
        header = tuple(reader.fieldnames or ())
        if set(header) != set(CSV_COLUMNS):
            expected = ",".join(CSV_COLUMNS)
            return ImportReport(0, (RejectedRow(1, "bad_header", f"the header must be: {expected}"),))
        rejected: list[RejectedRow] = []
        imported = 0
        with Session(self._engine) as session:
            for row in reader:
                line = reader.line_num
                try:
                    if None in row:
                        raise IdentityError("the row has more fields than the header", code="extra_fields")
                    sealed = seal_record(_record_from_csv(row), self._key)
                except (IdentityError, PersonalNumberError) as e:
                    rejected.append(RejectedRow(line, e.code, e.message))
                    continue
                if session.get(VoterRow, sealed.personal_number) is not None:
                    rejected.append(RejectedRow(line, "duplicate_personal_number", "already registered"))
                    continue
                savepoint = session.begin_nested()
                session.add(sealed)
                try:
                    savepoint.commit()
                except IntegrityError:
                    savepoint.rollback()
                    rejected.append(RejectedRow(line, "duplicate_personal_number", "already registered"))
                    continue
                imported += 1
            session.commit()
        return ImportReport(imported, tuple(rejected))

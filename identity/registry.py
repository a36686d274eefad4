"""The voter registry: who may be identified, where they vote, and their reference face template.

`VoterRegistry` is the one interface the issuance code uses. Implementations:

* `SqlVoterRegistry` — Shailoo's own table, filled by `SqlVoterRegistry.import_csv`;
* `identity.xroad.XRoadVoterRegistry` — the state data exchange (an X-Road-style REST service).

At rest, a voter row keeps the personal number, region, district and precinct in clear (needed to route and count)
and *seals* the rest — names, birth date, reference face template — with AES-256-GCM under the settings' template
key. The associated data binds the sealed blob to its row: ``lp(tag) || lp(personal_number) || lp(region) ||
lp(district) || lp(precinct)`` with ``tag = "SHAILOO-V1/identity/voter_record"``, so a blob moved to another row,
or a row whose district was edited in the database, fails to open (``record_unsealable``).

One face, one identity: `SqlVoterRegistry.add` (enrolment) and `SqlVoterRegistry.import_csv` compare every new
template with every registered one and with each other (`identity.dedup.FaceGallery`, exhaustive); a pair at
distance ≤ ``duplicate_face_distance`` opens a face review (`identity.review`) in the same transaction as the rows,
and nothing is issued for either identity until an operator decides. The gallery of templates is kept in memory
(decrypted once per process); a one-row generation counter, incremented by every import and enrolment under the
database's write lock, tells a process when another one changed the register, and serialises imports.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import io
import json
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Column, Field, Session, col, func, select

from crypto.canonical import canonical_json
from crypto.hashing import domain_tag, length_prefixed
from identity.audit import utcnow
from identity.db import IdentityTable, create_identity_tables
from identity.dedup import FaceGallery, Neighbour
from identity.errors import (
    IdentityError,
    PersonalNumberError,
    RecordSealError,
    TemplateInvalidError,
    VoterNotFoundError,
)
from identity.face import TEMPLATE_BYTES, TEMPLATE_VERSION, FaceTemplate
from identity.personal_number import check_personal_number
from identity.review import FaceReview, ReviewSource, open_reviews

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
#: Default of ``duplicate_face_distance``: the 1:1 tolerance (docs/identity.md, "One face, one identity").
DEFAULT_DUPLICATE_FACE_DISTANCE: Final = 0.5
_GALLERY_LOAD_BATCH: Final = 10_000
#: Rows checked between two reports of `SqlVoterRegistry.import_csv`'s ``on_progress``.
IMPORT_PROGRESS_STEP: Final = 500


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


@runtime_checkable
class FaceIndex(Protocol):
    """A registry that can search every registered face (1:N), for the identification-time check."""

    def nearest_other_identities(
        self, personal_number: str, templates: Sequence[FaceTemplate]
    ) -> list[Neighbour | None]:
        """Per template, the nearest registered identity other than ``personal_number`` (None if there is none)."""
        ...


class VoterRow(IdentityTable, table=True):
    """A registry row: routing fields in clear, personal data and template sealed (see the module docstring)."""

    __tablename__ = "identity_voter"

    personal_number: str = Field(primary_key=True, max_length=14)
    region: str = Field(max_length=_MAX_TEXT)
    district: str = Field(max_length=_MAX_TEXT, index=True)
    precinct: str = Field(max_length=_MAX_TEXT)
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class RegistryGeneration(IdentityTable, table=True):
    """One row (id 1): incremented by every import and enrolment, which thereby also take the write lock."""

    __tablename__ = "identity_registry_generation"

    id: int = Field(primary_key=True)
    generation: int


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


def _open_private(
    key: bytes, personal_number: str, region: str, district: str, precinct: str, sealed: bytes
) -> dict[str, str]:
    aad = _associated_data(personal_number, region, district, precinct)
    try:
        plain = AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], aad)
    except InvalidTag as e:
        raise RecordSealError("a registry record fails authentication: wrong key or altered row") from e
    private: dict[str, str] = json.loads(plain)
    return private


def open_template_vector(
    key: bytes, personal_number: str, region: str, district: str, precinct: str, sealed: bytes
) -> npt.NDArray[np.float64]:
    """Only the face template of a row's columns, as a vector (the gallery's fast path: no object is built)."""
    raw = bytes.fromhex(_open_private(key, personal_number, region, district, precinct, sealed)["face_template"])
    if len(raw) != TEMPLATE_BYTES or raw[0] != TEMPLATE_VERSION:
        raise TemplateInvalidError("a registered face template is malformed")
    return np.frombuffer(raw, dtype="<f8", offset=1)


def open_record(row: VoterRow, key: bytes) -> VoterRecord:
    """Decrypt and check a row; raise `RecordSealError` if the blob was altered, moved or sealed under another key."""
    private = _open_private(key, row.personal_number, row.region, row.district, row.precinct, row.sealed)
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
class HeldRow:
    """An imported row whose face is within the duplicate distance of another identity's: review ``review_id``.

    ``other_line`` is the other row's CSV line when it is in the same file, None when it was registered before.
    """

    line: int
    other_line: int | None
    review_id: int
    distance: float


@dataclass(frozen=True)
class ImportReport:
    """What `SqlVoterRegistry.import_csv` did: rows imported, rows rejected (nothing of those was written), and
    imported rows held for a face review (nothing is issued for them until an operator decides)."""

    imported: int
    rejected: tuple[RejectedRow, ...]
    held: tuple[HeldRow, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.held


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
    """The registry in Shailoo's database (SQLite or PostgreSQL), with its in-memory face gallery."""

    def __init__(
        self,
        engine: Engine,
        template_key: bytes,
        *,
        duplicate_face_distance: float = DEFAULT_DUPLICATE_FACE_DISTANCE,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        if len(template_key) != 32:
            raise ValueError("the template key is 32 bytes (AES-256-GCM)")
        if not 0.0 <= duplicate_face_distance <= 2.0:
            raise ValueError("the duplicate face distance is between 0 and 2")
        self._engine = engine
        self._key = template_key
        self.duplicate_face_distance = duplicate_face_distance
        self._clock = clock
        self._gallery: FaceGallery | None = None
        self._gallery_generation = -1
        self._lock = threading.Lock()  # one import, enrolment or search of the gallery at a time in this process
        create_identity_tables(engine)
        with Session(engine) as session:
            if session.get(RegistryGeneration, 1) is None:
                session.add(RegistryGeneration(id=1, generation=0))
                try:
                    session.commit()
                except IntegrityError:  # another process created it first
                    session.rollback()

    def lookup(self, personal_number: str) -> VoterRecord:
        with Session(self._engine) as session:
            row = session.get(VoterRow, personal_number)
        if row is None:
            raise VoterNotFoundError("no voter with this personal number is on the register")
        return open_record(row, self._key)

    def add_all(self, records: Iterable[VoterRecord]) -> None:
        """Enrol several voters, each through `add` (every face compared with the register; the reviews it
        opens are in the review queue). Raise ``duplicate_personal_number`` at the first number already there."""
        for record in records:
            self.add(record)

    def count(self) -> int:
        with Session(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(VoterRow)).one())

    # --- the face gallery ------------------------------------------------------------------------------------

    def _take_generation(self, session: Session) -> int:
        """Increment the generation (taking the database's write lock until commit); return the previous one."""
        bump = update(RegistryGeneration).where(col(RegistryGeneration.id) == 1)
        session.execute(bump.values(generation=col(RegistryGeneration.generation) + 1))
        row = session.get(RegistryGeneration, 1, populate_existing=True)
        assert row is not None
        return row.generation - 1

    def _gallery_for(self, session: Session, generation: int) -> FaceGallery:
        """The in-memory gallery as of ``generation``, reloaded from ``session`` when another process changed it."""
        if self._gallery is None or self._gallery_generation != generation:
            total = int(session.exec(select(func.count()).select_from(VoterRow)).one())
            gallery = FaceGallery(capacity=max(total, 1024))
            # Columns, not ORM objects: 4.3 million rows must not pile up in the session's identity map.
            columns = (VoterRow.personal_number, VoterRow.region, VoterRow.district, VoterRow.precinct, VoterRow.sealed)
            query = (
                select(*columns)
                .order_by(col(VoterRow.personal_number))
                .execution_options(yield_per=_GALLERY_LOAD_BATCH)
            )
            labels: list[str] = []
            vectors: list[npt.NDArray[np.float64]] = []
            for number, region, district, precinct, sealed in session.exec(query):
                labels.append(number)
                vectors.append(open_template_vector(self._key, number, region, district, precinct, sealed))
                if len(labels) == _GALLERY_LOAD_BATCH:
                    gallery.extend(labels, np.vstack(vectors))
                    labels, vectors = [], []
            if labels:
                gallery.extend(labels, np.vstack(vectors))
            self._gallery, self._gallery_generation = gallery, generation
        return self._gallery

    def nearest_other_identities(
        self, personal_number: str, templates: Sequence[FaceTemplate]
    ) -> list[Neighbour | None]:
        """Per template, the nearest registered identity other than ``personal_number`` (exhaustive 1:N)."""
        with self._lock, Session(self._engine) as session:
            row = session.get(RegistryGeneration, 1)
            gallery = self._gallery_for(session, row.generation if row is not None else 0)
            return gallery.nearest_other(np.vstack([t.as_array() for t in templates]), personal_number)

    def _open_reviews_for_new_rows(
        self, session: Session, gallery: FaceGallery, start: int, source: ReviewSource
    ) -> list[tuple[int, int, FaceReview]]:
        """Compare gallery rows ``start …`` with all earlier ones; open a review per close pair.

        Returns (later row, earlier row, review) per pair, rows being gallery positions.
        """
        pairs = gallery.close_pairs_from(start, self.duplicate_face_distance)
        rows = open_reviews(
            session,
            [(gallery.label(p.earlier), gallery.label(p.later), p.distance) for p in pairs],
            source,
            self._clock(),
        )
        return [(p.later, p.earlier, FaceReview.from_row(r)) for p, r in zip(pairs, rows, strict=True)]

    # --- enrolment and import --------------------------------------------------------------------------------

    def add(self, record: VoterRecord) -> tuple[FaceReview, ...]:
        """Enrol one voter; return the face reviews this opened (nothing is issued for those identities until an
        operator decides). Raise ``duplicate_personal_number`` if the number is already registered."""
        with self._lock, Session(self._engine) as session:
            generation = self._take_generation(session)
            gallery = self._gallery_for(session, generation)
            start = len(gallery)
            session.add(seal_record(record, self._key))
            try:
                session.flush()
            except IntegrityError as e:
                session.rollback()
                raise IdentityError(
                    "this personal number is already registered", code="duplicate_personal_number"
                ) from e
            try:
                gallery.extend([record.personal_number], record.face_template.as_array())
                opened = self._open_reviews_for_new_rows(session, gallery, start, "enrolment")
                session.commit()
            except BaseException:
                gallery.truncate(start)
                raise
            self._gallery_generation = generation + 1
        return tuple(review for _, _, review in opened)

    def counts_by_district(self) -> dict[tuple[str, str], int]:
        """Voters on the register per (region, district), from the routing fields kept in clear (nothing is
        decrypted): what the registrar's register counts are made of."""
        query = select(VoterRow.region, VoterRow.district, func.count()).group_by(VoterRow.region, VoterRow.district)
        with Session(self._engine) as session:
            return {(region, district): int(n) for region, district, n in session.exec(query).all()}

    def import_csv(self, source: Path | str, on_progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Import voters from CSV (a `Path` is read as UTF-8; a `str` is the CSV text itself).

        Columns: ``personal_number,surname,given_name,patronymic,birth_date,region,district,precinct,face_template``
        (birth date ``YYYY-MM-DD``; template base64 of its 1025 bytes). Every row is checked on its own and
        inserted in its own savepoint: a rejected row leaves nothing behind; accepted rows are committed together.
        Reasons: ``missing_field``, ``invalid_birth_date``, ``invalid_personal_number``,
        ``personal_number_date_mismatch``, ``template_invalid``, ``field_too_long``, ``duplicate_personal_number``,
        ``extra_fields``, ``bad_header`` (line 1; nothing imported).

        Then every imported template is compared with every registered one and with each other; each pair within
        ``duplicate_face_distance`` opens a face review, committed with the rows, and is reported in ``held``.

        ``on_progress(rows_checked, rows)`` is told every `IMPORT_PROGRESS_STEP` rows and after the last.
        """
        text = source.read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
        reader = csv.DictReader(io.StringIO(text))
        header = tuple(reader.fieldnames or ())
        if set(header) != set(CSV_COLUMNS):
            expected = ",".join(CSV_COLUMNS)
            return ImportReport(0, (RejectedRow(1, "bad_header", f"the header must be: {expected}"),))
        rows = [(reader.line_num, row) for row in reader]
        rejected: list[RejectedRow] = []
        accepted: list[tuple[int, VoterRecord]] = []
        with self._lock, Session(self._engine) as session:
            generation = self._take_generation(session)
            gallery = self._gallery_for(session, generation)
            start = len(gallery)
            for checked, (line, row) in enumerate(rows):
                if on_progress is not None and checked % IMPORT_PROGRESS_STEP == 0:
                    on_progress(checked, len(rows))
                try:
                    if None in row:
                        raise IdentityError("the row has more fields than the header", code="extra_fields")
                    record = _record_from_csv(row)
                    sealed = seal_record(record, self._key)
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
                accepted.append((line, record))
            if on_progress is not None:
                on_progress(len(rows), len(rows))
            try:
                if accepted:
                    gallery.extend(
                        [r.personal_number for _, r in accepted],
                        np.vstack([r.face_template.as_array() for _, r in accepted]),
                    )
                opened = self._open_reviews_for_new_rows(session, gallery, start, "import")
                session.commit()
            except BaseException:
                gallery.truncate(start)
                raise
            self._gallery_generation = generation + 1
        held = []
        for later, earlier, review in opened:
            other = accepted[earlier - start][0] if earlier >= start else None
            held.append(HeldRow(accepted[later - start][0], other, review.review_id, review.distance))
        return ImportReport(len(accepted), tuple(rejected), tuple(held))

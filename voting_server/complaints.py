"""The public complaints registry: filing, automatic judgement of promise-backed complaints, resolutions, status.

Public routes (``/v1/complaints``, no authentication: a complaint names nobody) and operator routes
(``/v1/admin/complaints``). Each complaint and each resolution is a board entry (`record.complaints`); the text and
the attachments of an ``other`` complaint stay in the server's database (table ``server_complaint`` and
``server_complaint_attachment``), the board holding only their SHA-256. A ``ballot_missing`` complaint carries the
board's signed promise and is resolved at once by `record.complaints.judge_promise`. docs/complaints.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Any, Final, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from bulletin_board.entries import EntryKind
from bulletin_board.log import BulletinBoard
from crypto.errors import ShailooError
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from record.complaints import (
    MAX_ATTACHMENTS,
    MAX_REASON_CHARS,
    MEDIA_TYPES,
    REASONS,
    Attachment,
    ComplaintFiled,
    ComplaintResolution,
    judge_promise,
    outcome_for,
    parse_promise,
)
from voting_server.auth import AnyAdminRole, OperatorRole

#: Limits of an ``other`` complaint: its text, each attachment, all attachments together (bytes).
MAX_TEXT_CHARS: Final = 5000
MAX_ATTACHMENT_BYTES: Final = 256 * 1024
MAX_ATTACHMENTS_BYTES: Final = 768 * 1024
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_METADATA = sa.MetaData()
COMPLAINT = sa.Table(
    "server_complaint",
    _METADATA,
    sa.Column("complaint_code", sa.String(18), primary_key=True),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("complainant", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("filed_index", sa.BigInteger, nullable=False),
    sa.Column("resolution_index", sa.BigInteger, nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
)
ATTACHMENT = sa.Table(
    "server_complaint_attachment",
    _METADATA,
    sa.Column("complaint_code", sa.String(18), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("media_type", sa.String(32), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)


def new_complaint_code() -> str:
    """``C-`` and 16 random Crockford base-32 characters (80 bits from `secrets`)."""
    return "C-" + "".join(secrets.choice(_CROCKFORD) for _ in range(16))


@dataclass(frozen=True)
class AttachmentUpload:
    media_type: str
    data: bytes


class ComplaintsService:
    """Files, judges and resolves complaints on ``board``; keeps texts and attachments in ``engine``."""

    def __init__(self, board: BulletinBoard, engine: Engine) -> None:
        self.board = board
        self.engine = engine
        _METADATA.create_all(engine)
        # One complaint at a time through file → judge → resolve, so a resolution follows its complaint.
        self._lock = threading.Lock()

    def file_ballot_missing(self, complainant: str, promise_text: str) -> dict[str, Any]:
        """File a ``ballot_missing`` complaint and resolve it by the promise (`invalid_promise` if it is forged)."""
        promise = parse_promise(promise_text.strip() + "\n")
        with self._lock:
            finding = judge_promise(
                promise,
                origin=self.board.origin,
                log_key=self.board.public_key,
                board_size=self.board.size,
                entry_hash_at=lambda i: self.board.entry(i).entry_hash,
            )
            code = new_complaint_code()
            filed = ComplaintFiled(code, complainant, "ballot_missing", promise.to_text(), None)  # type: ignore[arg-type]
            resolution = ComplaintResolution(code, outcome_for(finding), finding, REASONS[finding])
            filed_promise, resolved = self.board.append_many(
                [
                    (EntryKind.PUBLIC_COMPLAINT, filed.to_payload()),
                    (EntryKind.COMPLAINT_RESOLUTION, resolution.to_payload()),
                ]
            )
            with self.engine.begin() as conn:
                conn.execute(
                    sa.insert(COMPLAINT).values(
                        complaint_code=code,
                        category="ballot_missing",
                        complainant=complainant,
                        filed_index=filed_promise.index,
                        resolution_index=resolved.index,
                        outcome=resolution.outcome,
                        reason=resolution.reason,
                    )
                )
        return {**self.status(code), "promise": filed_promise.to_text()}

    def file_other(self, complainant: str, text: str, attachments: list[AttachmentUpload]) -> dict[str, Any]:
        """File a complaint with a text and attachments; the board gets their hashes only."""
        if not 1 <= len(text) <= MAX_TEXT_CHARS:
            raise ApiError(f"a complaint's text is 1 to {MAX_TEXT_CHARS} characters", code="invalid_complaint")
        if len(attachments) > MAX_ATTACHMENTS:
            raise ApiError(f"at most {MAX_ATTACHMENTS} attachments", code="invalid_complaint")
        for a in attachments:
            if a.media_type not in MEDIA_TYPES:
                raise ApiError(f"attachments may be {list(MEDIA_TYPES)}", code="invalid_complaint")
            if len(a.data) > MAX_ATTACHMENT_BYTES:
                raise ApiError(f"an attachment is at most {MAX_ATTACHMENT_BYTES} bytes", code="attachment_too_large")
        if sum(len(a.data) for a in attachments) > MAX_ATTACHMENTS_BYTES:
            raise ApiError(f"attachments total at most {MAX_ATTACHMENTS_BYTES} bytes", code="attachment_too_large")
        code = new_complaint_code()
        filed = ComplaintFiled(
            code,
            complainant,  # type: ignore[arg-type]
            "other",
            None,
            hashlib.sha256(text.encode("utf-8")).digest(),
            tuple(Attachment(hashlib.sha256(a.data).digest(), len(a.data), a.media_type) for a in attachments),
        )
        with self._lock:
            # The text and files are stored first, so a complaint on the board always has them; a refused entry
            # (wrong phase) deletes them again, so a refused complaint leaves nothing behind.
            with self.engine.begin() as conn:
                conn.execute(
                    sa.insert(COMPLAINT).values(
                        complaint_code=code, category="other", complainant=complainant, text=text, filed_index=-1
                    )
                )
                if attachments:
                    conn.execute(
                        sa.insert(ATTACHMENT),
                        [
                            {"complaint_code": code, "position": n, "media_type": a.media_type, "data": a.data}
                            for n, a in enumerate(attachments)
                        ],
                    )
            try:
                promise = self.board.append(EntryKind.PUBLIC_COMPLAINT, filed.to_payload())
            except BaseException:
                with self.engine.begin() as conn:
                    conn.execute(sa.delete(ATTACHMENT).where(ATTACHMENT.c.complaint_code == code))
                    conn.execute(sa.delete(COMPLAINT).where(COMPLAINT.c.complaint_code == code))
                raise
            with self.engine.begin() as conn:
                conn.execute(
                    sa.update(COMPLAINT).where(COMPLAINT.c.complaint_code == code).values(filed_index=promise.index)
                )
        return {**self.status(code), "promise": promise.to_text()}

    def resolve(self, code: str, outcome: str, reason: str) -> dict[str, Any]:
        """The commission's decision on an ``other`` complaint, posted as its ``complaint_resolution``."""
        with self._lock:
            row = self._row(code)
            if row.resolution_index is not None:
                raise ApiError(f"complaint {code} is already resolved", code="already_resolved")
            try:
                resolution = ComplaintResolution(code, outcome, None, reason)  # type: ignore[arg-type]
            except ShailooError as e:
                raise ApiError(e.message, code="invalid_complaint") from e
            promise = self.board.append(EntryKind.COMPLAINT_RESOLUTION, resolution.to_payload())
            with self.engine.begin() as conn:
                conn.execute(
                    sa.update(COMPLAINT)
                    .where(COMPLAINT.c.complaint_code == code)
                    .values(resolution_index=promise.index, outcome=outcome, reason=reason)
                )
        return self.status(code)

    def _row(self, code: str) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(COMPLAINT).where(COMPLAINT.c.complaint_code == code)).first()
        if row is None:
            raise ApiError(f"no complaint {code}", code="unknown_complaint")
        return row

    def status(self, code: str) -> dict[str, Any]:
        """What anyone holding the code may see: no text, no attachment, nothing about the complainant."""
        row = self._row(code)
        return {
            "complaint_code": code,
            "category": row.category,
            "status": "open" if row.resolution_index is None else "resolved",
            "filed_index": row.filed_index,
            "resolution_index": row.resolution_index,
            "outcome": row.outcome,
            "reason": row.reason,
        }

    def detail(self, code: str) -> dict[str, Any]:
        """The commission's view: the status, the text and the attachments' types and sizes."""
        row = self._row(code)
        with self.engine.connect() as conn:
            files = conn.execute(
                sa.select(ATTACHMENT.c.media_type, sa.func.length(ATTACHMENT.c.data))
                .where(ATTACHMENT.c.complaint_code == code)
                .order_by(ATTACHMENT.c.position)
            ).all()
        return {
            **self.status(code),
            "complainant": row.complainant,
            "text": row.text,
            "attachments": [{"media_type": t, "size": int(n)} for t, n in files],
        }

    def open_codes(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(COMPLAINT.c.complaint_code)
                .where(COMPLAINT.c.resolution_index.is_(None))
                .order_by(COMPLAINT.c.filed_index)
            )
            return [str(r[0]) for r in rows]


# --- HTTP --------------------------------------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentBody(_Body):
    media_type: Literal["application/pdf", "image/jpeg", "image/png", "text/plain"]
    content_base64: str = Field(max_length=(MAX_ATTACHMENT_BYTES * 4) // 3 + 4)


class ComplaintBody(_Body):
    """``ballot_missing``: ``promise`` (the signed promise text from the receipt). ``other``: ``text`` and
    optional ``attachments`` (base64, at most 4, 256 KiB each, 768 KiB together)."""

    complainant: Literal["voter", "observer", "candidate"]
    category: Literal["ballot_missing", "other"]
    promise: str | None = Field(default=None, max_length=1000)
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    attachments: list[AttachmentBody] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)


class ComplaintStatus(BaseModel):
    complaint_code: str
    category: str
    status: Literal["open", "resolved"]
    filed_index: int
    resolution_index: int | None
    outcome: str | None
    reason: str | None
    promise: str | None = Field(default=None, description="the board's signed promise for the complaint's entry")


class ResolutionBody(_Body):
    outcome: Literal["upheld", "rejected"]
    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS)


def _service(request: Request) -> ComplaintsService:
    service: ComplaintsService = request.app.state.components.complaints
    return service


def _decode(attachment: AttachmentBody) -> AttachmentUpload:
    try:
        data = base64.b64decode(attachment.content_base64, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ApiError("an attachment is not base64", code="invalid_complaint") from e
    return AttachmentUpload(attachment.media_type, data)


def build_complaints_router() -> APIRouter:
    router = APIRouter(tags=["complaints"])
    filing_codes = ("invalid_complaint", "invalid_promise", "attachment_too_large", "wrong_phase")

    @router.post("/v1/complaints", response_model=ComplaintStatus, responses=error_responses(*filing_codes))
    def file_complaint(request: Request, body: ComplaintBody) -> dict[str, Any]:
        """File a complaint; keep the ``complaint_code`` to follow it. A ``ballot_missing`` complaint is judged at
        once against the board."""
        service = _service(request)
        if body.category == "ballot_missing":
            if body.promise is None or body.text is not None or body.attachments:
                raise ApiError("a ballot_missing complaint carries the promise only", code="invalid_complaint")
            return service.file_ballot_missing(body.complainant, body.promise)
        if body.text is None or body.promise is not None:
            raise ApiError("this complaint needs a text (and no promise)", code="invalid_complaint")
        return service.file_other(body.complainant, body.text, [_decode(a) for a in body.attachments])

    @router.get("/v1/complaints/{code}", response_model=ComplaintStatus, responses=error_responses("unknown_complaint"))
    def complaint_status(request: Request, code: str) -> dict[str, Any]:
        """A complaint's status by its code."""
        return _service(request).status(code)

    @router.get("/v1/admin/complaints", responses=error_responses("unauthorized", "forbidden"))
    def open_complaints(request: Request, role: AnyAdminRole) -> dict[str, Any]:
        """The open complaints' codes, oldest first (operator or auditor)."""
        return {"open": _service(request).open_codes()}

    @router.get(
        "/v1/admin/complaints/{code}",
        responses=error_responses("unauthorized", "forbidden", "unknown_complaint"),
    )
    def complaint_detail(request: Request, code: str, role: AnyAdminRole) -> dict[str, Any]:
        """A complaint with its text and its attachments' types and sizes (operator or auditor)."""
        return _service(request).detail(code)

    @router.post(
        "/v1/admin/complaints/{code}/resolve",
        response_model=ComplaintStatus,
        responses=error_responses("unauthorized", "forbidden", "unknown_complaint", "already_resolved", "wrong_phase"),
    )
    def resolve(request: Request, code: str, body: ResolutionBody, role: OperatorRole) -> dict[str, Any]:
        """Post the commission's resolution of a complaint (no personal data in ``reason``: it is public)."""
        return _service(request).resolve(code, body.outcome, body.reason)

    return router

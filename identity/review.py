"""The face review queue: pairs of registered identities whose faces are too alike, held until an operator decides.

At import and enrolment every new template is compared with every registered one (`identity.dedup`); a pair at
distance ≤ ``duplicate_face_distance`` becomes a row of ``identity_face_review`` in the same transaction as the
voter rows, so an identity is never on the register unreviewed. While any review of an identity is pending,
nothing is issued for it — no credential, no precinct identification (`check_not_held`, called by
`identity.issuance.Issuer.issue` inside its transaction). An operator then decides:

* ``different_people`` — two people who look alike: both released;
* ``keep_first`` / ``keep_second`` — one person registered twice: that identity is released, the other is
  blocked for good (``identity_blocked``);
* ``block_both`` — neither identity may be issued anything.

A decision is final and written, in one transaction, to the review row and to the audit log
(``face_review_decided``, outcome ``review <id>: <decision>``). The review rows hold the two personal numbers —
the operator must find the two records — like the registry table they point into, and the distance; never an
image or a template. The audit lines hold the review number and the decision, never a personal number.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import UniqueConstraint, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, col, select

from identity.audit import AuditEvent, utcnow
from identity.db import IdentityTable, create_identity_tables
from identity.errors import IdentityHeldError, ReviewError

ReviewSource = Literal["import", "enrolment"]
ReviewStatus = Literal["pending", "decided", "all"]
_PENDING: Final = ""


class ReviewDecision(enum.StrEnum):
    DIFFERENT_PEOPLE = "different_people"
    KEEP_FIRST = "keep_first"
    KEEP_SECOND = "keep_second"
    BLOCK_BOTH = "block_both"

    def blocks(self, first: bool) -> bool:
        """Does this decision block the first (``first=True``) or the second identity of its pair?"""
        if self is ReviewDecision.BLOCK_BOTH:
            return True
        return self is (ReviewDecision.KEEP_SECOND if first else ReviewDecision.KEEP_FIRST)


class FaceReviewRow(IdentityTable, table=True):
    """A pair of identities whose templates are within the duplicate distance. ``decision`` is empty while pending."""

    __tablename__ = "identity_face_review"
    __table_args__ = (UniqueConstraint("first_number", "second_number", name="uq_face_review_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    first_number: str = Field(max_length=14, index=True)  # registered first (or on the earlier CSV line)
    second_number: str = Field(max_length=14, index=True)
    distance: float
    source: str = Field(max_length=16)
    opened_at: dt.datetime
    decision: str = Field(default=_PENDING, max_length=32)
    decided_by: str = Field(default="", max_length=64)
    decided_at: dt.datetime | None = None


@dataclass(frozen=True)
class FaceReview:
    """A review as the operator sees it."""

    review_id: int
    first_number: str
    second_number: str
    distance: float
    source: str
    opened_at: dt.datetime
    decision: ReviewDecision | None
    decided_by: str
    decided_at: dt.datetime | None

    @property
    def pending(self) -> bool:
        return self.decision is None

    @classmethod
    def from_row(cls, row: FaceReviewRow) -> FaceReview:
        assert row.id is not None
        return cls(
            review_id=row.id,
            first_number=row.first_number,
            second_number=row.second_number,
            distance=row.distance,
            source=row.source,
            opened_at=row.opened_at,
            decision=ReviewDecision(row.decision) if row.decision else None,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
        )


def open_reviews(
    session: Session, pairs: Iterable[tuple[str, str, float]], source: ReviewSource, now: dt.datetime
) -> list[FaceReviewRow]:
    """Add a pending review and an audit line per ``(first_number, second_number, distance)`` to ``session``.

    The caller commits, together with the voter rows the reviews are about.
    """
    rows = [
        FaceReviewRow(first_number=a, second_number=b, distance=d, source=source, opened_at=now) for a, b, d in pairs
    ]
    session.add_all(rows)
    session.flush()  # assigns the ids the audit lines name
    for row in rows:
        session.add(AuditEvent(at=now, event="face_review_opened", outcome=f"review {row.id}: held"))
    return rows


def check_not_held(session: Session, personal_number: str) -> None:
    """Raise `IdentityHeldError` if a face review holds ``personal_number`` (pending, or decided against it)."""
    query = select(FaceReviewRow).where(
        or_(col(FaceReviewRow.first_number) == personal_number, col(FaceReviewRow.second_number) == personal_number)
    )
    rows = session.exec(query).all()
    if any(row.decision == _PENDING for row in rows):
        raise IdentityHeldError(
            "this identity's face is close to another registered identity's; the registrar must review the pair "
            "before anything is issued"
        )
    if any(ReviewDecision(row.decision).blocks(row.first_number == personal_number) for row in rows):
        raise IdentityHeldError(
            "the registrar decided this identity duplicates another registered one", code="identity_blocked"
        )


class ReviewQueue:
    """The operator's view of the face reviews: list them, decide them."""

    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock
        create_identity_tables(engine)

    def list(self, status: ReviewStatus = "pending") -> list[FaceReview]:
        """Reviews in the order they were opened: ``pending``, ``decided`` or ``all``."""
        query = select(FaceReviewRow).order_by(col(FaceReviewRow.id))
        if status == "pending":
            query = query.where(FaceReviewRow.decision == _PENDING)
        elif status == "decided":
            query = query.where(FaceReviewRow.decision != _PENDING)
        with Session(self._engine) as session:
            return [FaceReview.from_row(row) for row in session.exec(query).all()]

    def get(self, review_id: int) -> FaceReview:
        with Session(self._engine) as session:
            row = session.get(FaceReviewRow, review_id)
        if row is None:
            raise ReviewError(f"there is no face review {review_id}")
        return FaceReview.from_row(row)

    def decide(self, review_id: int, decision: ReviewDecision | str, operator: str) -> FaceReview:
        """Record the operator's final decision on a pending review, with its audit line, in one transaction."""
        try:
            chosen = ReviewDecision(decision)
        except ValueError as e:
            choices = ", ".join(d.value for d in ReviewDecision)
            raise ReviewError(f"a decision is one of: {choices}", code="invalid_decision") from e
        if not operator.strip() or len(operator) > 64:
            raise ReviewError("name the operator who decides (1 to 64 characters)", code="invalid_decision")
        now = self._clock()
        with Session(self._engine) as session:
            # Conditional on still pending: of two operators deciding at once, exactly one wins, on any database.
            decided = session.execute(
                update(FaceReviewRow)
                .where(col(FaceReviewRow.id) == review_id, col(FaceReviewRow.decision) == _PENDING)
                .values(decision=chosen.value, decided_by=operator.strip(), decided_at=now)
            )
            if decided.rowcount != 1:
                session.rollback()
                if session.get(FaceReviewRow, review_id) is None:
                    raise ReviewError(f"there is no face review {review_id}")
                raise ReviewError(f"face review {review_id} was already decided", code="review_already_decided")
            session.add(AuditEvent(at=now, event="face_review_decided", outcome=f"review {review_id}: {chosen.value}"))
            session.commit()
            row = session.get(FaceReviewRow, review_id)
            assert row is not None
            return FaceReview.from_row(row)

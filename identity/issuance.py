"""Issuance: one identification per voter per election, across every channel, and the blind signature.

The rule "a voter is identified at most once per election — in the app, at a kiosk or at a precinct" is the
``UNIQUE (election_id, voter_hash)`` constraint of ``identity_identification``. `Issuer.issue` inserts that claim
and the issuance record, computes the blind signature, and commits — all in one transaction; the signature is
returned only after the commit succeeded. Two concurrent requests for one voter therefore yield one signature and
one `AlreadyIdentifiedError`, with Redis up or down, on SQLite or PostgreSQL.

**The close.** Issuance stops before the registrar's counts are read for the board's ``issuance`` entry: every
issuance, in its own transaction and just before it commits, updates its election's row of
``identity_issuance_gate`` *where the gate is open*; `Issuer.stop_issuing` closes the gate in a transaction of its
own. The row lock (PostgreSQL) or the database's write lock (SQLite) orders the two: an issuance either commits
before the gate closes, or finds it closed and rolls back (``issuance_closed``, nothing written, no signature
released). So once `stop_issuing` has returned, the counts `board_issuance_payload` reads are final, and a voter
cannot be identified and cast between the count and the close (the close then appends counts and close together).

``voter_hash = HMAC-SHA256(voter_hash_key, lp("SHAILOO-V1/identity/voter_hash") || lp(election_id) ||
lp(personal_number))`` in hex. Keyed, so nobody without the registrar's key can test a guessed number against
the board; per election, so hashes of two elections cannot be linked. The board gets only these hashes and counts
per ballot style; this package never stores images, and its audit log keeps event, time, voter hash, channel and
outcome code.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from typing import Any, Final, Literal

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, col, select

from crypto.hashing import domain_tag, length_prefixed
from identity.audit import AuditEvent, random_id_column, random_row_id, to_the_hour, utcnow
from identity.credentials import IssuerKeys
from identity.db import IdentityTable, create_identity_tables
from identity.errors import AlreadyIdentifiedError, IdentityHeldError, IssuanceClosedError
from identity.review import check_not_held
from record.lifecycle import IssuanceCounts

Channel = Literal["app", "kiosk", "precinct"]
CHANNELS: Final = ("app", "kiosk", "precinct")
_HASH_TAG: Final = "identity/voter_hash"


class IdentificationClaim(IdentityTable, table=True):
    """The slot a voter takes when identified in an election. The constraint is the one-identification rule."""

    __tablename__ = "identity_identification"
    __table_args__ = (UniqueConstraint("election_id", "voter_hash", name="uq_identification_election_voter"),)

    id: int = Field(default_factory=random_row_id, sa_column=random_id_column())  # not in arrival order
    election_id: str = Field(max_length=128)
    voter_hash: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    claimed_at: dt.datetime


class IssuanceRecord(IdentityTable, table=True):
    """What was issued for a claim: the ballot style, and whether a blind signature (credential) was released."""

    __tablename__ = "identity_issuance"

    id: int = Field(default_factory=random_row_id, sa_column=random_id_column())  # not in arrival order
    claim_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("identity_identification.id"), unique=True, nullable=False)
    )
    election_id: str = Field(max_length=128, index=True)
    ballot_style_id: str = Field(max_length=128)
    voter_hash: str = Field(max_length=64)
    credential_issued: bool


class IssuanceGate(IdentityTable, table=True):
    """Whether the registrar still issues in an election (see "The close" in the module docstring); ``passed``
    counts the issuances that committed through the gate."""

    __tablename__ = "identity_issuance_gate"

    election_id: str = Field(primary_key=True, max_length=128)
    closed: bool = False
    passed: int = 0


@dataclass(frozen=True)
class Issuance:
    """A released blind signature and where it belongs."""

    election_id: str
    ballot_style_id: str
    voter_hash: str
    blind_signature: bytes


def voter_hash(key: bytes, election_id: str, personal_number: str) -> str:
    """The keyed, per-election voter hash (hex) — see the module docstring."""
    message = b"".join(
        length_prefixed(p) for p in (domain_tag(_HASH_TAG), election_id.encode(), personal_number.encode())
    )
    return hmac.new(key, message, sha256).hexdigest()


class Issuer:
    """The registrar's issuance ledger over SQLite or PostgreSQL."""

    def __init__(self, engine: Engine, voter_hash_key: bytes, clock: Callable[[], dt.datetime] = utcnow) -> None:
        if len(voter_hash_key) < 32:
            raise ValueError("the voter hash key is at least 32 bytes")
        self._engine = engine
        self._key = voter_hash_key
        self._clock = clock
        self._gates: set[str] = set()  # elections whose gate row exists (it is never deleted)
        create_identity_tables(engine)

    def voter_hash(self, election_id: str, personal_number: str) -> str:
        return voter_hash(self._key, election_id, personal_number)

    def is_identified(self, election_id: str, personal_number: str) -> bool:
        """A fast early answer; the constraint in `issue` is what actually decides."""
        hashed = self.voter_hash(election_id, personal_number)
        query = select(IdentificationClaim.id).where(
            IdentificationClaim.election_id == election_id, IdentificationClaim.voter_hash == hashed
        )
        with Session(self._engine) as session:
            return session.exec(query).first() is not None

    def check_not_held(self, personal_number: str) -> None:
        """A fast early answer (raises `IdentityHeldError`); `issue` checks again inside its transaction."""
        with Session(self._engine) as session:
            check_not_held(session, personal_number)

    def issue(
        self,
        election_id: str,
        personal_number: str,
        ballot_style_id: str,
        channel: Channel,
        blinded_message: bytes | None,
        keys: IssuerKeys | None,
    ) -> Issuance:
        """Claim the voter's slot and, for a credential, blind-sign ``blinded_message`` with the style's key.

        ``blinded_message=None`` records an identification without a credential (a paper-ballot precinct).
        Raises `AlreadyIdentifiedError` if the slot is taken, `IdentityHeldError` while a face review holds the
        identity (``face_review_pending``) or after one blocked it (``identity_blocked``), `NotEligibleError` for a
        style without key, or the crypto core's error for a malformed blinded message — nothing written in any case.
        """
        hashed = self.voter_hash(election_id, personal_number)
        return self.issue_for_voter_hash(
            election_id, hashed, ballot_style_id, channel, blinded_message, keys, personal_number=personal_number
        )

    def issue_for_voter_hash(
        self,
        election_id: str,
        hashed: str,
        ballot_style_id: str,
        channel: Channel,
        blinded_message: bytes | None,
        keys: IssuerKeys | None,
        *,
        personal_number: str | None = None,
    ) -> Issuance:
        """`issue` for a voter already identified, known here by the voter hash this issuer computed
        (`Issuer.voter_hash`): so the session state between identification and credential need not hold the
        personal number. Face-review holds are keyed by personal number: with it they are checked again inside
        this transaction; without it the identification step checked them (`check_not_held`) minutes before."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        self._ensure_gate(election_id)
        now = to_the_hour(self._clock())
        with Session(self._engine) as session:
            claim = IdentificationClaim(election_id=election_id, voter_hash=hashed, channel=channel, claimed_at=now)
            session.add(claim)
            try:
                session.flush()  # takes the slot or fails on the constraint (waits for a concurrent holder)
            except IntegrityError as e:
                session.rollback()
                self.audit("issuance", "already_identified", election_id, hashed, channel)
                raise AlreadyIdentifiedError("this voter has already been identified in this election") from e
            try:
                # After the claim's flush: on SQLite, reading first and writing second would fail at once
                # ("database is locked") instead of queueing behind a concurrent claim.
                if personal_number is not None:  # a face review open on, or decided against, this identity
                    check_not_held(session, personal_number)
            except IdentityHeldError as e:
                session.rollback()  # the slot stays free
                self.audit("issuance", e.code, election_id, hashed, channel)
                raise
            signature = b""
            if blinded_message is not None:
                if keys is None:
                    raise ValueError("a credential needs the election's issuer keys")
                signature = keys.blind_sign(ballot_style_id, blinded_message)
            session.add(
                IssuanceRecord(
                    claim_id=claim.id,
                    election_id=election_id,
                    ballot_style_id=ballot_style_id,
                    voter_hash=hashed,
                    credential_issued=blinded_message is not None,
                )
            )
            session.add(
                AuditEvent(
                    at=now,
                    event="issuance",
                    election_id=election_id,
                    voter_hash=hashed,
                    channel=channel,
                    outcome="issued",
                )
            )
            if not self._pass_gate(session, election_id):  # last, so the gate's lock is held only until the commit
                session.rollback()
                self.audit("issuance", "issuance_closed", election_id, hashed, channel)
                raise IssuanceClosedError("the registrar has stopped issuing in this election: voting is closing")
            try:
                session.commit()
            except IntegrityError as e:  # a concurrent claim won between flush and commit (some isolation levels)
                session.rollback()
                raise AlreadyIdentifiedError("this voter has already been identified in this election") from e
        # Released only now, after the commit: a signature never exists for an unrecorded issuance.
        return Issuance(election_id, ballot_style_id, hashed, signature)

    # --- the gate the close shuts -----------------------------------------------------------------------------------

    def _ensure_gate(self, election_id: str) -> None:
        """Create the election's gate row (open) if it does not exist; one statement, safe under concurrency."""
        if election_id in self._gates:
            return
        insert = sqlite_insert if self._engine.dialect.name == "sqlite" else postgresql_insert
        statement = insert(IssuanceGate).values(election_id=election_id, closed=False, passed=0)
        with self._engine.begin() as conn:
            conn.execute(statement.on_conflict_do_nothing(index_elements=["election_id"]))
        self._gates.add(election_id)

    @staticmethod
    def _pass_gate(session: Session, election_id: str) -> bool:
        """Count this issuance through the gate, inside its transaction; ``False`` if the gate is closed."""
        statement = (
            update(IssuanceGate)
            .where(col(IssuanceGate.election_id) == election_id, col(IssuanceGate.closed).is_(False))
            .values(passed=col(IssuanceGate.passed) + 1)
        )
        return session.connection().execute(statement).rowcount == 1

    def stop_issuing(self, election_id: str) -> None:
        """Close the election's gate: no issuance commits after this returns, and every one that committed before is
        in `board_issuance_payload` (idempotent). The close of voting calls it before it reads the counts."""
        self._ensure_gate(election_id)
        with Session(self._engine) as session:
            statement = update(IssuanceGate).where(col(IssuanceGate.election_id) == election_id).values(closed=True)
            session.connection().execute(statement)
            session.commit()
        self.audit("issuance", "stopped", election_id)

    def is_issuing(self, election_id: str) -> bool:
        """Whether the gate is open (an election without a gate row has issued nothing and is open)."""
        with Session(self._engine) as session:
            gate = session.get(IssuanceGate, election_id)
        return gate is None or not gate.closed

    def audit(self, event: str, outcome: str, election_id: str = "", voter_hash: str = "", channel: str = "") -> None:
        """Append one audit line in its own transaction."""
        with Session(self._engine) as session:
            session.add(
                AuditEvent(
                    at=to_the_hour(self._clock()),
                    event=event,
                    election_id=election_id,
                    voter_hash=voter_hash,
                    channel=channel,
                    outcome=outcome,
                )
            )
            session.commit()

    def audit_log(self, election_id: str | None = None) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))  # the hour, then no order
        if election_id is not None:
            query = query.where(AuditEvent.election_id == election_id)
        with Session(self._engine) as session:
            return list(session.exec(query).all())

    def issued_count(self, election_id: str) -> int:
        with Session(self._engine) as session:
            query = select(IssuanceRecord.id).where(IssuanceRecord.election_id == election_id)
            return len(session.exec(query).all())

    def board_issuance_payload(self, election_id: str) -> dict[str, Any]:
        """The board's ``issuance`` payload: counts per ballot style and the sorted voter hashes — never an id.

        Sorting hides the order (and so the time) in which voters were identified.
        """
        with Session(self._engine) as session:
            rows = session.exec(select(IssuanceRecord).where(IssuanceRecord.election_id == election_id)).all()
        counts = Counter(r.ballot_style_id for r in rows)
        return IssuanceCounts(election_id, counts, tuple(r.voter_hash for r in rows)).to_payload()

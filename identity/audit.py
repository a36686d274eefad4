"""The identity audit log: one table, shared by issuance and the registry's face reviews.

A line holds a time, an event, an outcome code and, where there is one, the election, the keyed voter hash and the
channel. Never an image, a name, a personal number or an address.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import BigInteger, Column
from sqlmodel import Field

from identity.db import IdentityTable


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_the_hour(moment: dt.datetime) -> dt.datetime:
    """``moment`` with minutes, seconds and microseconds dropped: the finest time an identification record keeps.

    The operator needs to know how many voters were identified in which hour; a finer time (these tables kept
    microseconds) would let whoever holds the database line identifications up with ballots by their arrival."""
    return moment.replace(minute=0, second=0, microsecond=0)


def random_row_id() -> int:
    """A row id drawn from `secrets` (63 bits, positive): identity rows are not numbered in arrival order.

    An autoincrement id puts the rows of an hour in the order voters were identified; with the board's order of
    ballot batches that order is what lines identifications up with ballots. 63 random bits make a collision
    among a national register's rows about a 1 in 10^6 event (and a collision fails the insert; it writes nothing
    wrong)."""
    return 1 + secrets.randbelow(2**63 - 1)


def random_id_column() -> Column[int]:
    """The ``id`` column of an identity table: a 64-bit primary key that the database does not number."""
    return Column(BigInteger, primary_key=True, autoincrement=False)


class AuditEvent(IdentityTable, table=True):
    """One line of the identification audit log. Never an image, a name or a personal number. Lines are read in
    the order of their hour; within an hour they have no order (`random_row_id`)."""

    __tablename__ = "identity_audit"

    id: int = Field(default_factory=random_row_id, sa_column=random_id_column())
    at: dt.datetime
    event: str = Field(max_length=64)
    election_id: str = Field(default="", max_length=128)
    voter_hash: str = Field(default="", max_length=64)
    channel: str = Field(default="", max_length=16)
    outcome: str = Field(max_length=64)

"""The identity audit log: one table, shared by issuance and the registry's face reviews.

A line holds a time, an event, an outcome code and, where there is one, the election, the keyed voter hash and the
channel. Never an image, a name, a personal number or an address.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from identity.db import IdentityTable


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_the_hour(moment: dt.datetime) -> dt.datetime:
    """``moment`` with minutes, seconds and microseconds dropped: the finest time an identification record keeps.

    The operator needs to know how many voters were identified in which hour; a finer time (these tables kept
    microseconds) would let whoever holds the database line identifications up with ballots by their arrival."""
    return moment.replace(minute=0, second=0, microsecond=0)


class AuditEvent(IdentityTable, table=True):
    """One line of the identification audit log. Never an image, a name or a personal number."""

    __tablename__ = "identity_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    event: str = Field(max_length=64)
    election_id: str = Field(default="", max_length=128)
    voter_hash: str = Field(default="", max_length=64)
    channel: str = Field(default="", max_length=16)
    outcome: str = Field(max_length=64)

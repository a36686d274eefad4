"""Tracking code → board entry: the server's look-up index for receipt checks.

A convenience index beside the board (same database): the board itself is the record. If a row were lost, the
ballot is still on the board and in its export, where anyone can find it by recomputing tracking codes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

_METADATA = sa.MetaData()
RECEIPT = sa.Table(
    "server_receipt",
    _METADATA,
    sa.Column("tracking_code", sa.String(32), primary_key=True),
    sa.Column("ballot_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
)


class ReceiptIndex:
    """The ``server_receipt`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _METADATA.create_all(engine)

    def record(self, tracking_code: str, ballot_hash: bytes, entry_index: int, kind: str) -> None:
        """Remember where a tracking code's ballot is (idempotent)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    sa.insert(RECEIPT).values(
                        tracking_code=tracking_code, ballot_hash=ballot_hash, entry_index=entry_index, kind=kind
                    )
                )
        except IntegrityError:
            pass  # recorded already (a retry, or another worker): the board entry is the same

    def find(self, tracking_code: str) -> tuple[bytes, int, str] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(RECEIPT).where(RECEIPT.c.tracking_code == tracking_code)).first()
        return None if row is None else (bytes(row.ballot_hash), int(row.entry_index), str(row.kind))

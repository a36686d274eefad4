"""Board baseline: the ballot box's tables as the server's ``create_all`` made them before migrations.

The board (``board_*``, docs/board.md "Storage") and what the server keeps beside it: the receipt index
(``server_receipt``) and complaints (``server_complaint``, ``server_complaint_attachment``). The schema is frozen
here as data, not imported from the models: `voting_server.schema` compares a database made before migrations
with it, and later model changes come as later revisions.

Revision ID: 0001_board_baseline
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations.ops import CreateTableOp

revision: str = "0001_board_baseline"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("board",)
depends_on: str | Sequence[str] | None = None


def baseline_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "board_state",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("phase", sa.String, nullable=False),
    )
    sa.Table(
        "board_entry",
        metadata,
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("payload", sa.String, nullable=False),
        sa.Column("entry_hash", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("payload_hash", sa.LargeBinary, nullable=False, index=True),
        sa.Column("dedup_key", sa.String, nullable=True, unique=True),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("promise_signature", sa.LargeBinary, nullable=False),
    )
    sa.Table(
        "board_node",
        metadata,
        sa.Column("node_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
    )
    sa.Table(
        "board_tree_head",
        metadata,
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.LargeBinary, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("key_id", sa.LargeBinary, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
    )
    sa.Table(
        "board_cosignature",
        metadata,
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("witness", sa.String, primary_key=True),
        sa.Column("witness_key", sa.LargeBinary, nullable=False),
        sa.Column("key_id", sa.LargeBinary, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
    )
    sa.Table(
        "server_receipt",
        metadata,
        sa.Column("tracking_code", sa.String(32), primary_key=True),
        sa.Column("ballot_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("entry_index", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    sa.Table(
        "server_complaint",
        metadata,
        sa.Column("complaint_code", sa.String(18), primary_key=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("complainant", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("filed_index", sa.BigInteger, nullable=False),
        sa.Column("resolution_index", sa.BigInteger, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    sa.Table(
        "server_complaint_attachment",
        metadata,
        sa.Column("complaint_code", sa.String(18), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    return metadata


def upgrade() -> None:
    metadata = baseline_metadata()
    for table in metadata.sorted_tables:
        op.invoke(CreateTableOp.from_table(table))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            op.create_index(str(index.name), table.name, [c.name for c in index.columns], unique=bool(index.unique))
    # The one row every append locks (`bulletin_board.storage.BoardStorage.create_schema`): an empty board in setup.
    op.bulk_insert(metadata.tables["board_state"], [{"id": 1, "size": 0, "phase": "setup"}])


def downgrade() -> None:
    for table in reversed(baseline_metadata().sorted_tables):
        op.drop_table(table.name)

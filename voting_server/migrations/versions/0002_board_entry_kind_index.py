"""Board: an index on ``board_entry (kind, idx)``.

`BoardStorage.iter_entries_of_kinds` reads the entries of a few kinds in index order: the voter cabinet looks for the
register counts on every application. Without this index that is a scan of the whole board (millions of ballots on
election night); with it, a range of the index: 57 ms -> 1.8 ms on a board of 500,000 entries (bench/migrations.py).
Counting the ballots themselves (`count_of_kinds`, at every start) is no faster: nearly every entry is a ballot.

Built while the server is stopped (a migration runs before the server starts), so a plain ``CREATE INDEX`` is fine.

Revision ID: 0002_board_entry_kind_index
Revises: 0001_board_baseline
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_board_entry_kind_index"
down_revision: str | Sequence[str] | None = "0001_board_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_board_entry_kind_idx", "board_entry", ["kind", "idx"])


def downgrade() -> None:
    op.drop_index("ix_board_entry_kind_idx", table_name="board_entry")

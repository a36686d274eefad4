"""Board: an index on ``board_entry (kind, idx)``.

`BoardStorage.count_of_kinds` and `iter_entries_of_kinds` read the entries of a few kinds in index order: the
receipt index counts the ballots at every start, the cabinet looks for the register counts. Without this index each
is a scan of the whole board (millions of ballots on election night); with it, a range of the index.

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

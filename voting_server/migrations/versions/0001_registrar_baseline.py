"""Registrar baseline: the identity tables and the voter cabinet as the server's ``create_all`` made them before
migrations.

The register (``identity_voter``, ``identity_registry_generation``), face reviews, the issuance ledger
(``identity_identification``, ``identity_issuance``, ``identity_issuance_gate``), the audit log (docs/identity.md)
and the cabinet's applications (docs/cabinet.md). Frozen here as data, not imported from the models (see the board
baseline).

Revision ID: 0001_registrar_baseline
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations.ops import CreateTableOp

revision: str = "0001_registrar_baseline"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("registrar",)
depends_on: str | Sequence[str] | None = None


def _random_id() -> sa.Column[int]:
    # Identity rows are numbered by `secrets`, not by the database, so their order says nothing of arrival.
    return sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False)


def baseline_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    utc = sa.DateTime(timezone=True)
    sa.Table(
        "identity_audit",
        metadata,
        _random_id(),
        sa.Column("at", utc, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("election_id", sa.String(128), nullable=False),
        sa.Column("voter_hash", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
    )
    sa.Table(
        "identity_face_review",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_number", sa.String(14), nullable=False, index=True),
        sa.Column("second_number", sa.String(14), nullable=False, index=True),
        sa.Column("distance", sa.Float, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("opened_at", utc, nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", utc, nullable=True),
        sa.UniqueConstraint("first_number", "second_number", name="uq_face_review_pair"),
    )
    sa.Table(
        "identity_identification",
        metadata,
        _random_id(),
        sa.Column("election_id", sa.String(128), nullable=False),
        sa.Column("voter_hash", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("claimed_at", utc, nullable=False),
        sa.UniqueConstraint("election_id", "voter_hash", name="uq_identification_election_voter"),
    )
    sa.Table(
        "identity_issuance",
        metadata,
        _random_id(),
        sa.Column("claim_id", sa.BigInteger, sa.ForeignKey("identity_identification.id"), nullable=False, unique=True),
        sa.Column("election_id", sa.String(128), nullable=False, index=True),
        sa.Column("ballot_style_id", sa.String(128), nullable=False),
        sa.Column("voter_hash", sa.String(64), nullable=False),
        sa.Column("credential_issued", sa.Boolean, nullable=False),
    )
    sa.Table(
        "identity_issuance_gate",
        metadata,
        sa.Column("election_id", sa.String(128), primary_key=True),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
    )
    sa.Table(
        "identity_registry_generation",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
    )
    sa.Table(
        "identity_voter",
        metadata,
        sa.Column("personal_number", sa.String(14), primary_key=True),
        sa.Column("region", sa.String(200), nullable=False),
        sa.Column("district", sa.String(200), nullable=False, index=True),
        sa.Column("precinct", sa.String(200), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
    )
    sa.Table(
        "registrar_cabinet_application",
        metadata,
        sa.Column("election_id", sa.String(64), primary_key=True),
        sa.Column("voter_hash", sa.String(64), primary_key=True),
        sa.Column("application_code", sa.String(18), nullable=False, unique=True),
        sa.Column("destination", sa.String(16), nullable=False),
        sa.Column("precinct_id", sa.String(64), nullable=True),
        sa.Column("home_style", sa.String(64), nullable=False),
        sa.Column("new_style", sa.String(64), nullable=False),
        sa.Column("applied_at", sa.BigInteger, nullable=False),
    )
    return metadata


def upgrade() -> None:
    metadata = baseline_metadata()
    for table in metadata.sorted_tables:
        op.invoke(CreateTableOp.from_table(table))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            op.create_index(str(index.name), table.name, [c.name for c in index.columns], unique=bool(index.unique))
    # The register's generation row (`identity.registry.SqlVoterRegistry`): no import or enrolment yet.
    op.bulk_insert(metadata.tables["identity_registry_generation"], [{"id": 1, "generation": 0}])


def downgrade() -> None:
    for table in reversed(baseline_metadata().sorted_tables):
        op.drop_table(table.name)

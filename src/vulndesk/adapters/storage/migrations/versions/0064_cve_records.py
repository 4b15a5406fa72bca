"""cve ids: the CVE ids reserved at CVE Services for each case, and their state

Revision ID: 0064
Revises: 0063
Create Date: 2026-12-04

One new evidence table (see adapters/storage/evidence.py), `cve_ids`: a CVE id reserved for a
case, its year and state (reserved, published, rejected), who reserved, published, updated or
rejected it and when, the reason of a rejection, and CVE Services' last answer about the id
(sealed in `answer_enc`). Nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0064"
down_revision = "0063"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(
        name, vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "cve_ids",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("cve_id", sa.String(32), nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("unit_id", sa.String(63), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _when("reserved_at", False),
        sa.Column("reserved_by", sa.String(200), nullable=False),
        _when("published_at", True),
        sa.Column("published_by", sa.String(200), nullable=True),
        _when("updated_at", True),
        sa.Column("updated_by", sa.String(200), nullable=True),
        _when("rejected_at", True),
        sa.Column("rejected_by", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(4096), nullable=True),
        sa.Column("answer_enc", sa.LargeBinary, nullable=False),
        _when("answered_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cve_ids")),
        sa.UniqueConstraint("cve_id", name="uq_cve_ids_cve_id"),
    )
    op.create_index(op.f("ix_cve_ids_case_key"), "cve_ids", ["case_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_cve_ids_case_key"), table_name="cve_ids")
    op.drop_table("cve_ids")

"""advisories: encrypted revisions of each case's advisory and their two-person approvals

Revision ID: 0060
Revises: 0040
Create Date: 2026-12-03

Two new tables, both evidence (see adapters/storage/evidence.py): `advisory_revisions` keeps
each revision's content encrypted (`content_enc`, bound by `sha256`), its TLP label, status and
publication; `advisory_approvals` the approvers of a revision. Nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0060"
down_revision = "0040"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(
        name, vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "advisory_revisions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("unit_id", sa.String(63), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("content_enc", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("tlp", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _at("created_at", False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _at("published_at", True),
        sa.Column("published_by", sa.String(200), nullable=True),
        sa.Column("csaf_version", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory_revisions")),
        sa.UniqueConstraint("case_key", "number", name="uq_advisory_revisions_number"),
    )
    op.create_index("ix_advisory_revisions_published", "advisory_revisions", ["published_at"])
    op.create_table(
        "advisory_approvals",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("revision_id", ID, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.String(63), nullable=True),
        _at("at", False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["advisory_revisions.id"],
            name=op.f("fk_advisory_approvals_revision_id_advisory_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory_approvals")),
        sa.UniqueConstraint("revision_id", "actor", name="uq_advisory_approvals_actor"),
    )


def downgrade() -> None:
    op.drop_table("advisory_approvals")
    op.drop_index("ix_advisory_revisions_published", "advisory_revisions")
    op.drop_table("advisory_revisions")

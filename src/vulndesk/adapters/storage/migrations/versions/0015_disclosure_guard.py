"""publication decisions take effect with two different approvers

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03

A publication decision (MPS consent, an overseas exception, ...) used to take effect when one
person recorded it. Each now keeps its approvers; it lifts a gate check once two different
people have approved it. A decision recorded before this migration keeps its recorder as the
first approver and waits for a second.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication_approvals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["publication_decisions.id"],
            name=op.f("fk_publication_approvals_decision_id_publication_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_approvals")),
        sa.UniqueConstraint("decision_id", "actor", name="uq_publication_approvals_actor"),
    )
    op.execute(
        "INSERT INTO publication_approvals (decision_id, actor, at) "
        'SELECT id, "by", at FROM publication_decisions'
    )


def downgrade() -> None:
    op.drop_table("publication_approvals")

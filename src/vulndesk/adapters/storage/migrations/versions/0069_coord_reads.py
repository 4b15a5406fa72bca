"""coordination threads gain read markers per account

Revision ID: 0069
Revises: 0068
Create Date: 2026-12-04

`coord_reads`: for each account (a desk account, later a participant's account), case and
thread (`shared` or a participant id), the newest message it has read. Working state, not
evidence: the audit log keeps every read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0069"
down_revision = "0068"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "coord_reads",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("thread", sa.String(32), nullable=False),
        sa.Column("participant_id", ID, nullable=True),
        sa.Column("last_message_id", ID, nullable=False),
        sa.Column(
            "read_at",
            vulndesk.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_reads")),
        sa.UniqueConstraint("account", "case_key", "thread", name="uq_coord_reads_thread"),
    )


def downgrade() -> None:
    op.drop_table("coord_reads")

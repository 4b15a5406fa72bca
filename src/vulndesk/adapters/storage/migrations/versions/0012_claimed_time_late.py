"""late is late; backdated disclosures wait for a second person

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

A ledger entry already keeps the instant claimed (`at`) and the instant the server recorded it
(`recorded_at`). A claim more than the backdate limit before its recording is kept with a
`backdate` decision (the justification, approved by two different people); the entry names
that decision in `backdate_decision_id` and meets no obligation until it is approved.

Obligations met after their due instant were stored as `met`; they become `met_late`. The
column is only added, no table is rebuilt, so no trigger is touched (see 0011).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "ledger_entries",
        sa.Column(
            "backdate_decision_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
    )
    op.execute(
        "UPDATE obligations SET status = 'met_late' "
        "WHERE status = 'met' AND due_at IS NOT NULL AND met_at IS NOT NULL AND met_at > due_at"
    )


def downgrade() -> None:
    op.execute("UPDATE obligations SET status = 'met' WHERE status = 'met_late'")
    op.drop_column("ledger_entries", "backdate_decision_id")

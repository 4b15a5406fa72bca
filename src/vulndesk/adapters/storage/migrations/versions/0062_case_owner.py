"""cases gain an owner, users a choice of escalation mail

Revision ID: 0062
Revises: 0061
Create Date: 2026-12-04

The person who answers for a case, a user name; NULL is nobody assigned yet. Whether a user
gets deadline escalations on their cases by mail; NULL is yes. Added in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0062"
down_revision = "0061"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("owner", sa.String(63), nullable=True))
    op.add_column("users", sa.Column("mail_escalations", sa.Boolean(), nullable=True))


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ drops a column without rebuilding the table).
    op.execute("ALTER TABLE users DROP COLUMN mail_escalations")
    op.execute("ALTER TABLE cases DROP COLUMN owner")

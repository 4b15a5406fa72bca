"""users gain a choice of mail for approvals waiting and reporters' new messages

Revision ID: 0067
Revises: 0066
Create Date: 2026-12-04

Whether a user gets a mail when an approval waits for them on one of their cases
(`mail_approvals`) and when a reporter writes on one of their cases (`mail_messages`); NULL is
yes, as for `mail_escalations` (0062). Added in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0067"
down_revision = "0066"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("mail_approvals", sa.Boolean(), nullable=True))
    op.add_column("users", sa.Column("mail_messages", sa.Boolean(), nullable=True))


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ drops a column without rebuilding the table).
    op.execute("ALTER TABLE users DROP COLUMN mail_messages")
    op.execute("ALTER TABLE users DROP COLUMN mail_approvals")

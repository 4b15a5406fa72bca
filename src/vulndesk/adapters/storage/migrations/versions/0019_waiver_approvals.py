"""an obligation's waiver is a decision two signed-in people approve

Revision ID: 0019
Revises: 0013
Create Date: 2026-12-03

A waiver was recorded at once with the names its requester typed as approvers. It is now a
decision of kind `waiver` (proposed by one account, approved by a second, different one) that
names the obligation it lifts in `decision_records.obligation_id`. The column is evidence; it
is NULL for every other kind and for every row written before it, and a NULL column is left
out of a row's digest, so rows bound earlier keep their digests. The column is only added, no
table is rebuilt, so no trigger is touched (see 0011).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decision_records", sa.Column("obligation_id", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("decision_records", "obligation_id")

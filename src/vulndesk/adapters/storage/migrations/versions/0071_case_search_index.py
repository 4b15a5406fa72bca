"""case search reads a narrow index of the searched plain columns

Revision ID: 0071
Revises: 0067
Create Date: 2026-12-04

`ix_cases_search` holds the case columns a console search tests (key, title, reporter's
tracking id; the id comes with every index entry): SQLite scans it instead of every case row
with its JSON and encrypted details. Only columns that are plaintext in the table already;
never an encrypted field.
"""

from __future__ import annotations

from alembic import op

revision = "0071"
down_revision = "0067"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_search", "cases", ["key", "title", "intake_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_search", table_name="cases")

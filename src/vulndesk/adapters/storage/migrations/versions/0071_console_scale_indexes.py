"""indexes for the console at scale: case search, dashboard counts, regulations

Revision ID: 0071
Revises: 0070
Create Date: 2026-12-04

`ix_cases_search` holds the case columns a console search tests (key, title, reporter's
tracking id; the id comes with every index entry): SQLite scans it instead of every case row
with its JSON and encrypted details. Only columns that are plaintext in the table already;
never an encrypted field.

Three indexes on obligations let the dashboard's and the case list's counts read an index
range instead of clock rows (and, for late clocks, their cases): `ix_obligations_late`
(late clocks per unit, regulation and obligation), `ix_obligations_outcomes` (met, late and
overdue clocks per regulation and day, met in time or not) and `ix_obligations_regulation`
(which regulations have a dated clock).

`ix_cases_with_members` is a partial index of the few cases that list members (the
dashboard's and a member's need-to-know list read it instead of every case's JSON).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0071"
down_revision = "0070"
branch_labels = None
depends_on = None


_OBLIGATIONS = {
    "ix_obligations_late": ["status", "unit_id", "regulation", "obligation_id", "due_at"],
    "ix_obligations_outcomes": ["status", "due_at", "regulation", "met_at"],
    "ix_obligations_regulation": ["regulation", "status", "due_at"],
}


def upgrade() -> None:
    op.create_index("ix_cases_search", "cases", ["key", "title", "intake_id", "id"], unique=False)
    for name, columns in _OBLIGATIONS.items():
        op.create_index(name, "obligations", columns, unique=False)
    op.create_index(
        "ix_cases_with_members",
        "cases",
        ["key"],
        unique=False,
        sqlite_where=sa.text("members != '[]'"),
        postgresql_where=sa.text("CAST(members AS text) != '[]'"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_with_members", table_name="cases")
    for name in reversed(_OBLIGATIONS):
        op.drop_index(name, table_name="obligations")
    op.drop_index("ix_cases_search", table_name="cases")

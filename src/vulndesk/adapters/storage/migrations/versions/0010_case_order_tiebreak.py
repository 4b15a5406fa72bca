"""case order indexes end with the id, the list's tie-break

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22

The case list orders by an instant and then by id. Many cases can share an instant (a rules
recompute touches them in one transaction), and an index on the instant alone leaves
PostgreSQL to sort every tied row before it can return the first page. With the id in the
index the page is read in order and the scan stops at its end. SQLite's indexes already end
with the rowid, so there the plans do not change.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BEFORE = {
    "ix_cases_state_updated": ["state", "updated_at"],
    "ix_cases_unit_updated": ["unit_id", "updated_at"],
    "ix_cases_updated": ["updated_at"],
    "ix_cases_unit_state_updated": ["unit_id", "state", "updated_at"],
    "ix_cases_created": ["created_at"],
    "ix_cases_unit_created": ["unit_id", "created_at"],
}


def _replace(columns_of: dict[str, list[str]]) -> None:
    for name, columns in columns_of.items():
        op.drop_index(name, table_name="cases")
        op.create_index(name, "cases", columns, unique=False)


def upgrade() -> None:
    _replace({name: [*columns, "id"] for name, columns in _BEFORE.items()})


def downgrade() -> None:
    _replace(_BEFORE)

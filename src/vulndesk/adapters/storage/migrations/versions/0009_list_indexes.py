"""case list indexes: unit with state, and creation order alone and by unit

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_cases_unit_state_updated": ["unit_id", "state", "updated_at"],
    "ix_cases_created": ["created_at"],
    "ix_cases_unit_created": ["unit_id", "created_at"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "cases", columns, unique=False)


def downgrade() -> None:
    for name in reversed(_INDEXES):
        op.drop_index(name, table_name="cases")

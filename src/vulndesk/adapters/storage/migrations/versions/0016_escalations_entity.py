"""the reporting entity and on-call address per unit; escalations record their recipient

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

Units gain the reporting entity regulators and recipients see (legal name, contact person,
e-mail, phone) and where deadline escalations go (on-call e-mail, on-call webhook), all
nullable: NULL is "not set". Escalations gain their outcome (`delivered` or `undeliverable:
no recipient`) and the recipient and channel of a delivery; existing rows were recorded as
delivered to nobody, so they keep status `delivered` with no recipient.

Columns are added in place (ALTER TABLE … ADD COLUMN on both engines): no table is rebuilt,
so the reference-version triggers of 0011 on org_units stay as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UNIT_COLUMNS = (
    ("legal_name", 200),
    ("contact_person", 200),
    ("contact_email", 254),
    ("contact_phone", 40),
    ("on_call_email", 254),
    ("on_call_webhook", 500),
)


def upgrade() -> None:
    for name, length in UNIT_COLUMNS:
        op.add_column("org_units", sa.Column(name, sa.String(length), nullable=True))
    op.add_column(
        "escalations",
        sa.Column("status", sa.String(40), nullable=False, server_default="delivered"),
    )
    op.add_column("escalations", sa.Column("recipient", sa.String(500), nullable=True))
    op.add_column("escalations", sa.Column("channel", sa.String(16), nullable=True))


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ drops a column without rebuilding the table), so the
    # reference-version triggers of 0011 on org_units stay.
    for name in ("channel", "recipient", "status"):
        op.execute(f"ALTER TABLE escalations DROP COLUMN {name}")
    for name, _ in reversed(UNIT_COLUMNS):
        op.execute(f"ALTER TABLE org_units DROP COLUMN {name}")

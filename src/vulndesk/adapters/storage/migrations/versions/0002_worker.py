"""deadline worker: outbox, escalations, schedule, org settings, calendar overrides

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vulndesk.adapters.storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "escalations",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("obligation_id", sa.String(length=120), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_escalations_dedupe_key")),
    )
    op.create_index("ix_escalations_delivered", "escalations", ["delivered_at"])
    op.create_table(
        "escalation_schedule",
        sa.Column("obligation_pk", _ID, autoincrement=False, nullable=False),
        sa.Column("next_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("obligation_pk", name=op.f("pk_escalation_schedule")),
    )
    op.create_index("ix_escalation_schedule_next", "escalation_schedule", ["next_at"])
    op.create_index("ix_obligations_updated", "obligations", ["updated_at"])
    op.create_table(
        "worker_state",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_state")),
    )
    op.create_table(
        "org_settings",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_org_settings")),
    )
    op.create_table(
        "calendar_overrides",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("country", "day", name=op.f("pk_calendar_overrides")),
    )


def downgrade() -> None:
    op.drop_table("calendar_overrides")
    op.drop_table("org_settings")
    op.drop_table("worker_state")
    op.drop_index("ix_obligations_updated", table_name="obligations")
    op.drop_index("ix_escalation_schedule_next", table_name="escalation_schedule")
    op.drop_table("escalation_schedule")
    op.drop_index("ix_escalations_delivered", table_name="escalations")
    op.drop_table("escalations")
    op.drop_index("ix_outbox_status_next", table_name="outbox")
    op.drop_table("outbox")

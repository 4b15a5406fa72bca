"""public intake: reports, messages, attachments, receipts, idempotency keys, rate windows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vulndesk.adapters.storage.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "intake_reports",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tracking", sa.String(32), nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_reports")),
        sa.UniqueConstraint("tracking", name=op.f("uq_intake_reports_tracking")),
    )
    op.create_table(
        "intake_messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tracking", sa.String(32), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("body_enc", sa.LargeBinary(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_messages")),
    )
    op.create_index(op.f("ix_intake_messages_tracking"), "intake_messages", ["tracking"])
    op.create_table(
        "intake_attachments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tracking", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_attachments")),
    )
    op.create_index(op.f("ix_intake_attachments_tracking"), "intake_attachments", ["tracking"])
    op.create_table(
        "intake_receipts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("source_hmac", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("tracking", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_receipts")),
    )
    op.create_index(op.f("ix_intake_receipts_at"), "intake_receipts", ["at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(128), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index("ix_idempotency_created", "idempotency_keys", ["created_at"])
    op.create_table(
        "rate_windows",
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("window", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client", "window", name=op.f("pk_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("rate_windows")
    op.drop_index("ix_idempotency_created", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_intake_receipts_at"), table_name="intake_receipts")
    op.drop_table("intake_receipts")
    op.drop_index(op.f("ix_intake_attachments_tracking"), table_name="intake_attachments")
    op.drop_table("intake_attachments")
    op.drop_index(op.f("ix_intake_messages_tracking"), table_name="intake_messages")
    op.drop_table("intake_messages")
    op.drop_table("intake_reports")

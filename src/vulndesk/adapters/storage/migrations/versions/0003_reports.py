"""report drafts, approvals, decisions, disclosure ledger, headquarters oversight

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_notices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "created_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("draft_ref", sa.String(length=200), nullable=False),
        sa.Column("recipient_id", sa.String(length=63), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_notices")),
    )
    op.create_index("ix_hq_notices_created", "hq_notices", ["created_at"], unique=False)
    op.create_table(
        "hq_subscribers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "created_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_hq_subscribers_email")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.String(length=63), nullable=False),
        sa.Column("disclosure_kind", sa.String(length=64), nullable=False),
        sa.Column("recipient_id", sa.String(length=63), nullable=False),
        sa.Column("recipient_kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("draft_ref", sa.String(length=200), nullable=True),
        sa.Column("receipt", sa.String(length=200), nullable=True),
        sa.Column("screenshot", sa.String(length=500), nullable=True),
        sa.Column("screenshot_sha256", sa.String(length=64), nullable=True),
        sa.Column("content_enc", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column(
            "recorded_at",
            vulndesk.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index(
        "ix_ledger_entries_case", "ledger_entries", ["case_key", "disclosure_kind"], unique=False
    )
    op.create_index(
        "ix_ledger_entries_kind_at", "ledger_entries", ["recipient_kind", "at"], unique=False
    )
    op.create_table(
        "policy_overrides",
        sa.Column("party_id", sa.String(length=63), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column(
            "updated_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("party_id", name=op.f("pk_policy_overrides")),
    )
    op.create_table(
        "report_drafts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("recipient_id", sa.String(length=63), nullable=False),
        sa.Column("recipient_kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_drafts")),
        sa.UniqueConstraint(
            "case_key", "kind", "recipient_id", "version", name="uq_report_drafts_version"
        ),
    )
    op.create_index("ix_report_drafts_case", "report_drafts", ["case_key"], unique=False)
    op.create_table(
        "decision_records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.String(length=63), nullable=False),
        sa.Column("draft_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["report_drafts.id"],
            name=op.f("fk_decision_records_draft_id_report_drafts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_records")),
    )
    op.create_index(
        "ix_decision_records_case", "decision_records", ["case_key", "recipient_id"], unique=False
    )
    op.create_table(
        "report_approvals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("draft_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.String(length=63), nullable=True),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["report_drafts.id"],
            name=op.f("fk_report_approvals_draft_id_report_drafts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_approvals")),
        sa.UniqueConstraint("draft_id", "actor", name="uq_report_approvals_actor"),
    )
    op.create_table(
        "decision_approvals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision_records.id"],
            name=op.f("fk_decision_approvals_decision_id_decision_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_approvals")),
        sa.UniqueConstraint("decision_id", "actor", name="uq_decision_approvals_actor"),
    )


def downgrade() -> None:
    op.drop_table("decision_approvals")
    op.drop_table("report_approvals")
    op.drop_index("ix_decision_records_case", table_name="decision_records")
    op.drop_table("decision_records")
    op.drop_index("ix_report_drafts_case", table_name="report_drafts")
    op.drop_table("report_drafts")
    op.drop_table("policy_overrides")
    op.drop_index("ix_ledger_entries_kind_at", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_case", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_table("hq_subscribers")
    op.drop_index("ix_hq_notices_created", table_name="hq_notices")

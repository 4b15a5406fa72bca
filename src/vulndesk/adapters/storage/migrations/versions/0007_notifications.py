"""notifications: product recipients, frozen notices, headquarters mail cursor

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "notify_product_recipients",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(length=63), nullable=False),
        sa.Column("party_id", sa.String(length=63), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        _at("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["parties.id"],
            name=op.f("fk_notify_product_recipients_party_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_notify_product_recipients_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_product_recipients")),
        sa.UniqueConstraint(
            "product_id", "party_id", name=op.f("uq_notify_product_recipients_party")
        ),
    )
    op.create_table(
        "notify_messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("party_id", sa.String(length=63), nullable=False),
        sa.Column("party_kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("draft_ref", sa.String(length=200), nullable=True),
        sa.Column("approvers", sa.JSON(), nullable=False),
        _at("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _at("sent_at", nullable=True),
        sa.Column("ledger_id", _ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notify_messages_dedupe_key")),
    )
    op.create_index("ix_notify_messages_case", "notify_messages", ["case_key"], unique=False)
    op.create_table(
        "notify_cursor",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("last_id", _ID, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_notify_cursor")),
    )


def downgrade() -> None:
    op.drop_table("notify_cursor")
    op.drop_index("ix_notify_messages_case", table_name="notify_messages")
    op.drop_table("notify_messages")
    op.drop_table("notify_product_recipients")

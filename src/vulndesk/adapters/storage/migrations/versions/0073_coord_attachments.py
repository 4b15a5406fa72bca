"""coord_attachments: files attached to coordination thread messages

Revision ID: 0073
Revises: 0072
Create Date: 2026-12-04

Each file is sealed with the field keyring under a context binding the case, the message and
the file's SHA-256 (decision 0046); name, sniffed type, size and digest stay readable.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0073"
down_revision = "0072"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "coord_attachments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_enc", sa.LargeBinary, nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["coord_messages.id"],
            name=op.f("fk_coord_attachments_message_id_coord_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_attachments")),
    )
    op.create_index(
        "ix_coord_attachments_message", "coord_attachments", ["message_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_coord_attachments_message", table_name="coord_attachments")
    op.drop_table("coord_attachments")

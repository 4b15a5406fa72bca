"""coord_watermarks: the per-recipient watermark of each document a participant got

Revision ID: 0070
Revises: 0069
Create Date: 2026-12-04

One evidence table (decision 0047): the random token embedded in a shared view, download or
export, its short visible `ref`, the case, participant and party, the recipient (sealed in
`recipient_enc`, bound by `recipient_sha256`), the kind of document, when and by whom it was
issued, and the SHA-256 of the stamped document. Nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0070"
down_revision = "0069"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "coord_watermarks",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("token", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(11), nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("participant_id", ID, nullable=False),
        sa.Column("party_id", sa.String(63), nullable=False),
        sa.Column("recipient_enc", sa.LargeBinary, nullable=False),
        sa.Column("recipient_sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_watermarks")),
        sa.UniqueConstraint("token", name="uq_coord_watermarks_token"),
        sa.UniqueConstraint("ref", name="uq_coord_watermarks_ref"),
    )


def downgrade() -> None:
    op.drop_table("coord_watermarks")

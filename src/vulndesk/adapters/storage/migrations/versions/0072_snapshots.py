"""snapshots: figures the worker computes ahead of the pages that show them

Revision ID: 0072
Revises: 0071
Create Date: 2026-12-04

One row per snapshot (the exposure page's in-force what-if is the first): the instant it was
computed, a fingerprint of its inputs, and the body sealed with the field keyring.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0072"
down_revision = "0071"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column(
            "computed_at",
            vulndesk.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("body_enc", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("snapshots")

"""sso subjects: which identity provider subject (issuer, sub) signs in as which account

Revision ID: 0037a
Revises: 0060
Create Date: 2026-12-03

One new evidence table (see adapters/storage/evidence.py), `sso_subjects`: written at an
account's first sign-in through the provider and read at every later one, so the provider's
`preferred_username` no longer decides which account a sign-in opens. Nothing existing changes;
accounts made by provider sign-in before this revision have no row and are refused until an
administrator links them (`vulndesk sso link`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0037a"
down_revision = "0060"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sso_subjects",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("issuer", sa.String(400), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("user_name", sa.String(63), nullable=False),
        sa.Column(
            "linked_at",
            vulndesk.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_name"], ["users.name"], name=op.f("fk_sso_subjects_user_name_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_subjects")),
        sa.UniqueConstraint("issuer", "subject", name="uq_sso_subjects_subject"),
    )
    op.create_index(op.f("ix_sso_subjects_user_name"), "sso_subjects", ["user_name"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sso_subjects_user_name"), table_name="sso_subjects")
    op.drop_table("sso_subjects")

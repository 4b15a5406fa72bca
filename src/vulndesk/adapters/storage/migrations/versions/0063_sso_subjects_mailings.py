"""sso subjects and intake mailings: provider subjects of accounts; staff replies mailed

Revision ID: 0063
Revises: 0062
Create Date: 2026-12-03

One new evidence table (see adapters/storage/evidence.py), `sso_subjects`: written at an
account's first sign-in through the provider and read at every later one, so the provider's
`preferred_username` no longer decides which account a sign-in opens. Nothing existing changes;
accounts made by provider sign-in before this revision have no row and are refused until an
administrator links them (`vulndesk user link-subject`).

A second evidence table, `intake_mailings`: each staff reply mailed to a reporter, with the
thread message it carried, the recipient (sealed in `recipient_enc`, bound by
`recipient_sha256`), whether it was OpenPGP-encrypted, its Message-ID and when it was sent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0063"
down_revision = "0062"
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
    op.create_table(
        "intake_mailings",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tracking", sa.String(32), nullable=False),
        sa.Column("message", sa.Integer, nullable=False),
        sa.Column("recipient_enc", sa.LargeBinary, nullable=False),
        sa.Column("recipient_sha256", sa.String(64), nullable=False),
        sa.Column("encrypted", sa.Boolean, nullable=False),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column(
            "sent_at",
            vulndesk.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_mailings")),
    )
    op.create_index(
        op.f("ix_intake_mailings_tracking"), "intake_mailings", ["tracking"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_mailings_tracking"), table_name="intake_mailings")
    op.drop_table("intake_mailings")
    op.drop_index(op.f("ix_sso_subjects_user_name"), table_name="sso_subjects")
    op.drop_table("sso_subjects")

"""participants' own accounts: bindings of accounts to participants, one-time invitations

Revision ID: 0068
Revises: 0067
Create Date: 2026-12-04

`coord_accounts` (an evidence table) binds an account of the `participant` role to one
participant of one case; `coord_invitations` keeps one-time invitation links by the SHA-256 of
their token, the token itself sealed in `token_enc` only until the worker mailed it
(decision 0045). Nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0068"
down_revision = "0067"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(
        name, vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "coord_accounts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_name", sa.String(63), nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("participant_id", ID, nullable=False),
        _at("created_at", False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["coord_participants.id"],
            name=op.f("fk_coord_accounts_participant_id_coord_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_accounts")),
        sa.UniqueConstraint("user_name", "case_key", name="uq_coord_accounts_user_case"),
    )
    op.create_index("ix_coord_accounts_case", "coord_accounts", ["case_key", "participant_id"])
    op.create_table(
        "coord_invitations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(63), nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("participant_id", ID, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _at("created_at", False),
        _at("expires_at", False),
        _at("used_at", True),
        sa.Column("token_enc", sa.LargeBinary, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_invitations")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_coord_invitations_token_sha256")),
    )
    op.create_index(
        "ix_coord_invitations_user_case", "coord_invitations", ["user_name", "case_key"]
    )


def downgrade() -> None:
    op.drop_index("ix_coord_invitations_user_case", "coord_invitations")
    op.drop_table("coord_invitations")
    op.drop_index("ix_coord_accounts_case", "coord_accounts")
    op.drop_table("coord_accounts")

"""credentials epoch: users.credentials_epoch, api_tokens.credentials_epoch, api_tokens.with_totp

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-03

A token is good only while its account's credentials epoch is the one it was issued under;
password, TOTP and deactivation changes move the epoch. Columns are added in place (no table
rebuild, so no trigger is lost). Existing tokens keep epoch 0 like their accounts; they count
as issued with a one-time code only when their account has TOTP enrolled, so a token issued to
an account without TOTP stops working once that account needs a code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("credentials_epoch", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.add_column(
        "api_tokens",
        sa.Column("credentials_epoch", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.add_column(
        "api_tokens",
        sa.Column("with_totp", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        sa.text(
            "UPDATE api_tokens SET with_totp = :yes WHERE user_name IN "
            "(SELECT name FROM users WHERE totp_enc IS NOT NULL)"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("with_totp")
        batch_op.drop_column("credentials_epoch")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("credentials_epoch")

"""idempotency responses sealed at rest; public intake keys scoped to the client

Revision ID: 0014
Revises: 0016
Create Date: 2026-12-03

A stored response may hold secret case fields and a reporter's follow-up token, so the
plain `body` column becomes `body_enc`, sealed with the field cipher under associated data
naming the row's scope, key, request hash and status (`response_context`).

Existing rows:
- Public intake rows (scope `public:<key>`) were shared by every client and hold the
  reporter's follow-up token in clear. Keys are now scoped to the client, so these rows can
  never replay again: they are deleted. The token's SHA-256 stays in `intake_reports`, the
  only form the desk needs to check it.
- Every other row is sealed with the keyring vulndesk hands over (the `cipher` attribute of
  the Alembic configuration, built only when there is something to seal). Without one (a
  bare Alembic run), those rows are deleted instead: a retry of such a request within its
  24 hours is then a new request, which is better than a secret left in clear.

On SQLite dropping `body` rebuilds the table (batch mode); it has no triggers to restore.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from vulndesk.adapters.storage.repositories.intake import response_context

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None

_KEYS = sa.table(
    "idempotency_keys",
    sa.column("scope", sa.String),
    sa.column("key", sa.String),
    sa.column("request_hash", sa.String),
    sa.column("status", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("body_enc", sa.LargeBinary),
)


def _seal_rows(bind: sa.Connection, cipher: Any) -> None:
    t = _KEYS.c
    rows = bind.execute(sa.select(t.scope, t.key, t.request_hash, t.status, t.body)).all()
    for scope, key, request_hash, status, body in rows:
        sealed = cipher.encrypt_text(body, response_context(scope, key, request_hash, status))
        bind.execute(sa.update(_KEYS).where(t.scope == scope, t.key == key).values(body_enc=sealed))


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("body_enc", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    bind.execute(sa.delete(_KEYS).where(_KEYS.c.scope.like("public:%")))
    left = bind.execute(sa.select(sa.func.count()).select_from(_KEYS)).scalar_one()
    cipher_factory: Callable[[], Any] | None = context.config.attributes.get("cipher")
    if left and cipher_factory is not None:
        _seal_rows(bind, cipher_factory())
    else:
        bind.execute(sa.delete(_KEYS))
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("body")
        batch.alter_column("body_enc", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    # Sealed responses cannot be opened here without the keyring: they are dropped, and a
    # retry within their 24 hours becomes a new request.
    op.execute("DELETE FROM idempotency_keys")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("body", sa.Text(), nullable=False, server_default=""))
        batch.drop_column("body_enc")

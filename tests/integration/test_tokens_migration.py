"""Migration 0018 on a database with tokens: each keeps working unless it skipped a TOTP code."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, insert, select

from vulndesk.adapters.storage import migrate
from vulndesk.adapters.storage.tables.accounts import api_tokens, users

AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _user(name: str, totp: bytes | None) -> dict[str, object]:
    return {
        "name": name,
        "display_name": name,
        "email": f"{name}@example.org",
        "unit_id": None,
        "roles": ["auditor"],
        "password_hash": None,
        "totp_enc": totp,
        "disabled": False,
        "created_at": AT,
    }


def _token(token_id: str, user: str) -> dict[str, object]:
    return {
        "id": token_id,
        "token_hash": token_id.ljust(64, "0"),
        "user_name": user,
        "scopes": ["read"],
        "created_at": AT,
        "expires_at": AT + dt.timedelta(days=30),
    }


def test_existing_tokens_count_as_issued_with_totp_only_where_totp_was_enrolled(
    db_url: str,
) -> None:
    engine = create_engine(db_url)
    cfg = migrate.alembic_config(engine)
    before = ScriptDirectory.from_config(cfg).get_revision("0018").down_revision
    assert isinstance(before, str)
    command.downgrade(cfg, before)
    with engine.begin() as conn:
        conn.execute(insert(users).values(**_user("enrolled", b"sealed")))
        conn.execute(insert(users).values(**_user("plain", None)))
        conn.execute(insert(api_tokens).values(**_token("t-enrolled", "enrolled")))
        conn.execute(insert(api_tokens).values(**_token("t-plain", "plain")))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            select(api_tokens.c.id, api_tokens.c.with_totp, api_tokens.c.credentials_epoch)
        ).all()
        epochs = conn.execute(select(users.c.name, users.c.credentials_epoch)).all()
    engine.dispose()
    assert sorted((r.id, bool(r.with_totp), r.credentials_epoch) for r in rows) == [
        ("t-enrolled", True, 0),
        ("t-plain", False, 0),
    ]
    assert sorted((r.name, r.credentials_epoch) for r in epochs) == [("enrolled", 0), ("plain", 0)]

"""Account tables: users, provider subjects, sessions, API tokens and failed-login records."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    false,
)

from vulndesk.adapters.storage.tables.core import ID, metadata
from vulndesk.adapters.storage.types import UTCDateTime

users = Table(
    "users",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("unit_id", String(63), ForeignKey("org_units.id"), nullable=True),
    Column("roles", JSON, nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("totp_enc", LargeBinary, nullable=True),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Personal display settings; NULL means "use the organisation's zone / the browser's language".
    Column("timezone", String(64), nullable=True),
    Column("language", String(8), nullable=True),
    # The 30-second TOTP step last accepted, so one code cannot be used twice.
    Column("last_totp_step", BigInteger, nullable=True),
    # Moved by password, TOTP, deactivation and TOTP-requiring grants; tokens keep the value
    # they were issued under and are refused once it differs.
    Column("credentials_epoch", BigInteger, nullable=False, server_default="0"),
    # Whether escalations on the user's cases are mailed to them (migration 0062); NULL: yes.
    Column("mail_escalations", Boolean, nullable=True),
    # Whether approvals waiting and reporters' new messages are mailed (migration 0067); NULL: yes.
    Column("mail_approvals", Boolean, nullable=True),
    Column("mail_messages", Boolean, nullable=True),
)

# Which provider subject (issuer, `sub`) signs in as which account: written at the first
# sign-in and read at every later one, so a renamed or reused provider username takes nothing.
sso_subjects = Table(
    "sso_subjects",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("issuer", String(400), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("user_name", String(63), ForeignKey("users.name"), nullable=False, index=True),
    Column("linked_at", UTCDateTime, nullable=False),
    UniqueConstraint("issuer", "subject", name="uq_sso_subjects_subject"),
)

# Only SHA-256 digests of session and token secrets are stored, so a database copy grants nothing.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_name", String(63), ForeignKey("users.name"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("source", String(200), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_name", String(63), ForeignKey("users.name"), nullable=False, index=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("credentials_epoch", BigInteger, nullable=False, server_default="0"),
    Column("with_totp", Boolean, nullable=False, server_default=false()),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_login_failures_key_at", login_failures.c.key, login_failures.c.at)

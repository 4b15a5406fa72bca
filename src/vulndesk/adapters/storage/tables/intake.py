"""Tables for public intake: reports, messages, attachments, receipts, idempotency, rate limits."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, LargeBinary, String, Table

from vulndesk.adapters.storage.tables.core import ID, metadata
from vulndesk.adapters.storage.types import UTCDateTime

intake_reports = Table(
    "intake_reports",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("tracking", String(32), nullable=False, unique=True),
    Column("case_key", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("language", String(8), nullable=False),
    Column("product", String(200), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)

intake_messages = Table(
    "intake_messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("tracking", String(32), nullable=False, index=True),
    Column("author", String(16), nullable=False),
    Column("body_enc", LargeBinary, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

# Staff replies sent to the reporter by mail: which message of the thread went to whom
# (the address sealed, bound by its digest), whether encrypted, under which Message-ID.
intake_mailings = Table(
    "intake_mailings",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("tracking", String(32), nullable=False, index=True),
    Column("message", Integer, nullable=False),
    Column("recipient_enc", LargeBinary, nullable=False),
    Column("recipient_sha256", String(64), nullable=False),
    Column("encrypted", Boolean, nullable=False),
    Column("message_id", String(300), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
)

# Attachments live in the database so they commit or roll back with their report.
intake_attachments = Table(
    "intake_attachments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("tracking", String(32), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content_enc", LargeBinary, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

# RMSV Art. 5 receipt log: kept at least six months.
intake_receipts = Table(
    "intake_receipts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("channel", String(8), nullable=False),
    Column("source_hmac", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("tracking", String(32), nullable=False),
)

# A stored response is sealed with the field cipher (see `response_context` in intake.py):
# responses carry secret fields and reporters' follow-up tokens.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(128), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body_enc", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

rate_windows = Table(
    "rate_windows",
    metadata,
    Column("client", String(64), primary_key=True),
    Column("window", Integer, primary_key=True, autoincrement=False),
    Column("hits", Integer, nullable=False),
)
Index("ix_idempotency_created", idempotency_keys.c.created_at)

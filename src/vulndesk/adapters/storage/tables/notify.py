"""Tables for notifications: who is told about each product, frozen notices, the HQ mail cursor."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from vulndesk.adapters.storage.tables.core import ID, metadata
from vulndesk.adapters.storage.types import UTCDateTime

notify_product_recipients = Table(
    "notify_product_recipients",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("product_id", String(63), ForeignKey("products.id"), nullable=False),
    Column("party_id", String(63), ForeignKey("parties.id"), nullable=False),
    Column("role", String(32), nullable=False),
    Column("versions", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint("product_id", "party_id", name="uq_notify_product_recipients_party"),
)

# Content is encrypted: a notice may carry restricted fields (CSIRTs, upstream suppliers).
notify_messages = Table(
    "notify_messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(300), nullable=False, unique=True),
    Column("case_key", String(32), nullable=False),
    Column("unit_id", String(63), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("party_id", String(63), nullable=False),
    Column("party_kind", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("address", String(500), nullable=False),
    Column("language", String(16), nullable=False),
    Column("content_enc", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("classes", JSON, nullable=False),
    Column("draft_ref", String(200), nullable=True),
    Column("approvers", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("ledger_id", ID, nullable=True),
)
Index("ix_notify_messages_case", notify_messages.c.case_key)

# How far headquarters notices have been queued as mail.
notify_cursor = Table(
    "notify_cursor",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("last_id", ID, nullable=False),
)

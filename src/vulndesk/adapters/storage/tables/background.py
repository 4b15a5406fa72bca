"""Tables for background work: the outbox, escalations, the escalation schedule, org settings."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from vulndesk.adapters.storage.tables.core import ID, metadata, obligations
from vulndesk.adapters.storage.types import UTCDateTime

outbox = Table(
    "outbox",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("dedupe_key", String(300), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(120), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
)
Index("ix_outbox_status_next", outbox.c.status, outbox.c.next_attempt_at)

escalations = Table(
    "escalations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(300), nullable=False, unique=True),
    Column("case_key", String(32), nullable=False),
    Column("obligation_id", String(120), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=False),
    Column("delivered_by", String(120), nullable=False),
    # delivered (to `recipient` by `channel`) or "undeliverable: no recipient" (migration 0016).
    Column("status", String(40), nullable=False, server_default="delivered"),
    Column("recipient", String(500), nullable=True),
    Column("channel", String(16), nullable=True),
)
Index("ix_escalations_delivered", escalations.c.delivered_at)

# Next escalation instant per live deadline, so a sweep reads only what has come due.
escalation_schedule = Table(
    "escalation_schedule",
    metadata,
    Column("obligation_pk", ID, primary_key=True, autoincrement=False),
    Column("next_at", UTCDateTime, nullable=False),
)
Index("ix_escalation_schedule_next", escalation_schedule.c.next_at)

# Lets the sweep find obligations recomputed since its last pass without reading them all.
Index("ix_obligations_updated", obligations.c.updated_at)

# Figures the worker computes ahead of the pages that show them (migration 0072): the body is
# sealed (AES-GCM bound to the row's name), with the instant it was computed and a
# fingerprint of the inputs it was computed from, so a reader can tell stale from current.
snapshots = Table(
    "snapshots",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("computed_at", UTCDateTime, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("body_enc", LargeBinary, nullable=False),
)

worker_state = Table(
    "worker_state",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)

org_settings = Table(
    "org_settings",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

calendar_overrides = Table(
    "calendar_overrides",
    metadata,
    Column("country", String(2), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("working", Boolean, nullable=False),
    Column("note", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

"""Tables for regulator reports: drafts, approvals, decisions, the disclosure ledger, oversight."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from vulndesk.adapters.storage.tables.core import ID, metadata
from vulndesk.adapters.storage.types import UTCDateTime

report_drafts = Table(
    "report_drafts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False),
    Column("unit_id", String(63), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("recipient_id", String(63), nullable=False),
    Column("recipient_kind", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_enc", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint(
        "case_key", "kind", "recipient_id", "version", name="uq_report_drafts_version"
    ),
)
Index("ix_report_drafts_case", report_drafts.c.case_key)

report_approvals = Table(
    "report_approvals",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("draft_id", ID, ForeignKey("report_drafts.id"), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("unit_id", String(63), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    UniqueConstraint("draft_id", "actor", name="uq_report_approvals_actor"),
)

decision_records = Table(
    "decision_records",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("case_key", String(32), nullable=False),
    Column("recipient_id", String(63), nullable=False),
    Column("draft_id", ID, ForeignKey("report_drafts.id"), nullable=True),
    Column("fields", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    # The obligation a `waiver` decision lifts (migration 0019); NULL for other kinds.
    Column("obligation_id", String(200), nullable=True),
)
Index("ix_decision_records_case", decision_records.c.case_key, decision_records.c.recipient_id)

decision_approvals = Table(
    "decision_approvals",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("decision_id", ID, ForeignKey("decision_records.id"), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    UniqueConstraint("decision_id", "actor", name="uq_decision_approvals_actor"),
)

policy_overrides = Table(
    "policy_overrides",
    metadata,
    Column("party_id", String(63), primary_key=True),
    Column("classes", JSON, nullable=False),
    Column("fields", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False),
    Column("unit_id", String(63), nullable=False),
    Column("disclosure_kind", String(64), nullable=False),
    Column("recipient_id", String(63), nullable=False),
    Column("recipient_kind", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("draft_ref", String(200), nullable=True),
    Column("receipt", String(200), nullable=True),
    Column("screenshot", String(500), nullable=True),
    Column("screenshot_sha256", String(64), nullable=True),
    Column("content_enc", LargeBinary, nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("classes", JSON, nullable=False),
    Column("approvers", JSON, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    # A claim older than the backdate limit: the `backdate` decision holding its justification.
    Column("backdate_decision_id", ID, nullable=True),
)
Index("ix_ledger_entries_case", ledger_entries.c.case_key, ledger_entries.c.disclosure_kind)
Index("ix_ledger_entries_kind_at", ledger_entries.c.recipient_kind, ledger_entries.c.at)

hq_subscribers = Table(
    "hq_subscribers",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

hq_notices = Table(
    "hq_notices",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("case_key", String(32), nullable=False),
    Column("event", String(40), nullable=False),
    Column("draft_ref", String(200), nullable=False),
    Column("recipient_id", String(63), nullable=False),
)
Index("ix_hq_notices_created", hq_notices.c.created_at)

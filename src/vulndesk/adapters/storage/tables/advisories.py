"""Tables for advisories: the revisions of each case's advisory and their approvals."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from vulndesk.adapters.storage.tables.core import ID, metadata
from vulndesk.adapters.storage.types import UTCDateTime

advisory_revisions = Table(
    "advisory_revisions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False),
    Column("unit_id", String(63), nullable=False),
    Column("number", Integer, nullable=False),
    Column("content_enc", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("tlp", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("published_by", String(200), nullable=True),
    Column("csaf_version", String(16), nullable=True),
    # A plain copy of the CVE id in `content_enc`, for the case list's search (migration 0061).
    Column("cve_id", String(20), nullable=True),
    UniqueConstraint("case_key", "number", name="uq_advisory_revisions_number"),
)
Index("ix_advisory_revisions_published", advisory_revisions.c.published_at)
Index("ix_advisory_revisions_cve", advisory_revisions.c.cve_id, advisory_revisions.c.case_key)

advisory_approvals = Table(
    "advisory_approvals",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("revision_id", ID, ForeignKey("advisory_revisions.id"), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("unit_id", String(63), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    UniqueConstraint("revision_id", "actor", name="uq_advisory_approvals_actor"),
)

# CVE ids reserved at CVE Services for a case, and their state (migration 0064).
cve_ids = Table(
    "cve_ids",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("cve_id", String(32), nullable=False),
    Column("case_key", String(32), nullable=False),
    Column("unit_id", String(63), nullable=False),
    Column("year", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("reserved_at", UTCDateTime, nullable=False),
    Column("reserved_by", String(200), nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("published_by", String(200), nullable=True),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("updated_by", String(200), nullable=True),
    Column("rejected_at", UTCDateTime, nullable=True),
    Column("rejected_by", String(200), nullable=True),
    Column("reason", String(4096), nullable=True),
    # CVE Services' last answer about the id (JSON), sealed like other free text.
    Column("answer_enc", LargeBinary, nullable=False),
    Column("answered_at", UTCDateTime, nullable=False),
    UniqueConstraint("cve_id", name="uq_cve_ids_cve_id"),
)
Index("ix_cve_ids_case_key", cve_ids.c.case_key)

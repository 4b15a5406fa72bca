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

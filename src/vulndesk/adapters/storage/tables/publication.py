"""Tables for publication checks, imports and third-party work: blackouts, decisions, SBOMs, filing."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from vulndesk.adapters.storage.tables.core import ID, metadata
from vulndesk.adapters.storage.types import UTCDateTime

blackout_windows = Table(
    "blackout_windows",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_blackout_windows_span", blackout_windows.c.start_at, blackout_windows.c.end_at)

publication_decisions = Table(
    "publication_decisions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
)

# Who approved each publication decision: the one who recorded it first, then a second person.
publication_approvals = Table(
    "publication_approvals",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("decision_id", ID, ForeignKey("publication_decisions.id"), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    UniqueConstraint("decision_id", "actor", name="uq_publication_approvals_actor"),
)

case_shares = Table(
    "case_shares",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False, index=True),
    Column("recipient", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("is_provider", Boolean, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
)

sbom_components = Table(
    "sbom_components",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("product_id", String(63), nullable=False),
    Column("product_version", String(100), nullable=False),
    Column("purl", String(500), nullable=False),
    Column("package", String(400), nullable=False),
    Column("name", String(200), nullable=False),
    Column("version", String(100), nullable=True),
)
Index("ix_sbom_components_package", sbom_components.c.package)
Index("ix_sbom_components_product", sbom_components.c.product_id, sbom_components.c.product_version)

upstream_advisories = Table(
    "upstream_advisories",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("publisher", String(500), nullable=False),
    Column("tracking_id", String(200), nullable=False),
    Column("vulnerability", String(200), nullable=False),
    Column("tracking_version", String(50), nullable=False),
    Column("case_key", String(32), nullable=False, index=True),
    Column("purls", JSON, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "publisher", "tracking_id", "vulnerability", name="uq_upstream_advisories_ref"
    ),
)

vendor_tracking = Table(
    "vendor_tracking",
    metadata,
    Column("case_key", String(32), primary_key=True),
    Column("vendor", String(63), nullable=False),
    Column("notified_at", UTCDateTime, nullable=True),
    Column("fixed_at", UTCDateTime, nullable=True),
    Column("notes", JSON, nullable=False),
)

# One row: the collection platform's filing content (Filing Measures, draft Art. 4).
platform_filing = Table(
    "platform_filing",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("platform_name", Text, nullable=False),
    Column("homepage_url", Text, nullable=False),
    Column("icp_number", Text, nullable=False),
    Column("publication_channels", Text, nullable=False),
    Column("sponsor_name", Text, nullable=False),
    Column("sponsor_id_number", Text, nullable=False),
    Column("head_name", Text, nullable=False),
    Column("head_contact", Text, nullable=False),
    Column("contact_name", Text, nullable=False),
    Column("contact_details", Text, nullable=False),
    Column("registered_capital", Text, nullable=False),
    Column("shareholding", Text, nullable=False),
    Column("collection_scope", Text, nullable=False),
    Column("collection_method", Text, nullable=False),
    Column("verification_rules", Text, nullable=False),
    Column("notification_rules", Text, nullable=False),
    Column("publication_rules", Text, nullable=False),
    Column("identity_verification_rules", Text, nullable=False),
    Column("user_grading", Text, nullable=False),
    Column("protection_level_proof", Text, nullable=False),
    Column("standards_management", Text, nullable=False),
    Column("commitment_letter", Text, nullable=False),
    Column("other", Text, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# A supplier's CSAF provider kept with its pinned OpenPGP key (migration 0066).
csaf_suppliers = Table(
    "csaf_suppliers",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("metadata_url", String(2000), nullable=False),
    Column("fingerprint", String(40), nullable=False),
    Column("unit_id", String(63), ForeignKey("org_units.id"), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_fetch_at", UTCDateTime, nullable=True),
)

# Each document a supplier's provider listed, with what became of it when last fetched.
csaf_supplier_documents = Table(
    "csaf_supplier_documents",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("supplier_id", ID, ForeignKey("csaf_suppliers.id"), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("status", String(20), nullable=False),
    Column("detail", Text, nullable=False),
    Column("tracking_id", String(200), nullable=True),
    Column("tracking_version", String(50), nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("checked_at", UTCDateTime, nullable=False),
    UniqueConstraint("supplier_id", "url", name="uq_csaf_supplier_documents_url"),
)

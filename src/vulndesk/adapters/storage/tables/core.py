"""The core schema: units, products, parties, cases with facts and transitions, obligations, audit."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TextClause,
    UniqueConstraint,
    text,
)

from vulndesk.adapters.storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
ID = BigInteger().with_variant(Integer(), "sqlite")

org_units = Table(
    "org_units",
    metadata,
    Column("id", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("parent_id", String(63), ForeignKey("org_units.id"), nullable=True),
    # The reporting entity and the on-call address (migration 0016); NULL is not set.
    Column("legal_name", String(200), nullable=True),
    Column("contact_person", String(200), nullable=True),
    Column("contact_email", String(254), nullable=True),
    Column("contact_phone", String(40), nullable=True),
    Column("on_call_email", String(254), nullable=True),
    Column("on_call_webhook", String(500), nullable=True),
    # What the newer rule sets bind on (migration 0040); NULL is not recorded.
    Column("eu_main_establishment_timezone", String(64), nullable=True),
    Column("nis2_entity", String(16), nullable=True),
    Column("financial_entity", Boolean, nullable=True),
    Column("cn_operator_class", String(16), nullable=True),
)

products = Table(
    "products",
    metadata,
    Column("id", String(63), primary_key=True),
    Column("vendor", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("versions", JSON, nullable=False),
    Column("markets", JSON, nullable=False),
    Column("components", JSON, nullable=False),
    Column("suppliers", JSON, nullable=False),
    Column("users_must_act", Boolean, nullable=False),
    Column("purl", String(500), nullable=True),
    Column("installed_base", BigInteger, nullable=True),
    Column("owner_unit", String(63), ForeignKey("org_units.id"), nullable=True),
)

parties = Table(
    "parties",
    metadata,
    Column("id", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("country", String(2), nullable=False),
    Column("channels", JSON, nullable=False),
    Column("language", String(8), nullable=False),
)

case_counters = Table(
    "case_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("key", String(32), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("unit_id", String(63), ForeignKey("org_units.id"), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("products", JSON, nullable=False),
    Column("cwe", String(16), nullable=True),
    Column("cvss31_vector", String(200), nullable=True),
    Column("cvss31_score", Float, nullable=True),
    Column("cvss40_vector", String(300), nullable=True),
    Column("cvss40_score", Float, nullable=True),
    Column("cn_grade", String(8), nullable=True),
    Column("upstream_component", Boolean, nullable=False),
    Column("details_enc", LargeBinary, nullable=True),
    Column("members", JSON, nullable=False),
    Column("duplicate_of", String(32), nullable=True),
    Column("intake_id", String(64), nullable=True),
    Column("options", JSON, nullable=False),
    # The incident grade under the CAC grading guide (migration 0040); NULL is not graded.
    Column("incident_grade", String(24), nullable=True),
    # The case's owner, a user name (migration 0062); NULL: nobody assigned yet.
    Column("owner", String(63), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)
# Every order index ends with the id, the list's tie-break (migration 0010): cases sharing an
# instant come out of the index in page order, so PostgreSQL need not sort them.
Index("ix_cases_state_updated", cases.c.state, cases.c.updated_at, cases.c.id)
Index("ix_cases_unit_updated", cases.c.unit_id, cases.c.updated_at, cases.c.id)
Index("ix_cases_updated", cases.c.updated_at, cases.c.id)
# The case list's other filter and order combinations (migration 0009): each first page and
# count reads an index range instead of sorting or probing every case of a unit. No
# (state, created_at): SQLite would pick it for several states ordered by update and sort.
Index("ix_cases_unit_state_updated", cases.c.unit_id, cases.c.state, cases.c.updated_at, cases.c.id)
Index("ix_cases_created", cases.c.created_at, cases.c.id)
Index("ix_cases_unit_created", cases.c.unit_id, cases.c.created_at, cases.c.id)
# The cases with members (migration 0071), for a person's need-to-know list: a few cases
# of many. `with_members` writes the same test for the queries, so both engines use it.
_HAS_MEMBERS = {"sqlite": "members != '[]'", "postgresql": "CAST(members AS text) != '[]'"}
Index(
    "ix_cases_with_members",
    cases.c.key,
    sqlite_where=text(_HAS_MEMBERS["sqlite"]),
    postgresql_where=text(_HAS_MEMBERS["postgresql"]),
)


def with_members(conn: Connection) -> TextClause:
    """The partial index's own test: the case lists at least one member."""
    return text(_HAS_MEMBERS["postgresql" if conn.dialect.name == "postgresql" else "sqlite"])


# The plain columns a search tests (migration 0071): a search scans this narrow index, not
# every case row. Never an encrypted column.
Index("ix_cases_search", cases.c.key, cases.c.title, cases.c.intake_id, cases.c.id)

case_products = Table(
    "case_products",
    metadata,
    Column("case_id", ID, ForeignKey("cases.id"), primary_key=True),
    Column("product_id", String(63), ForeignKey("products.id"), primary_key=True),
)
Index("ix_case_products_product", case_products.c.product_id, case_products.c.case_id)

case_facts = Table(
    "case_facts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=True),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("evidence_enc", LargeBinary, nullable=True),
    Column("revision", Integer, nullable=False),
    UniqueConstraint("case_id", "kind", "revision", name="uq_case_facts_revision"),
)

case_transitions = Table(
    "case_transitions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
)

obligations = Table(
    "obligations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("unit_id", String(63), nullable=False),
    Column("obligation_id", String(120), nullable=False),
    Column("regulation", String(64), nullable=False),
    Column("article", String(64), nullable=False),
    Column("action", Text, nullable=False),
    Column("action_zh", Text, nullable=False, default=""),
    Column("recipient", String(64), nullable=False),
    Column("trigger", String(40), nullable=False),
    Column("trigger_at", UTCDateTime, nullable=False),
    Column("timing", String(16), nullable=False),
    Column("due_at", UTCDateTime, nullable=True),
    Column("period", String(16), nullable=True),
    Column("timezone", String(64), nullable=False),
    Column("satisfied_fact", String(40), nullable=True),
    Column("satisfied_disclosure", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("met_at", UTCDateTime, nullable=True),
    Column("met_ref", String(200), nullable=True),
    Column("waived_reason", Text, nullable=True),
    Column("waived_by", JSON, nullable=False),
    Column("interpretation", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("case_id", "obligation_id", name="uq_obligations_case_obligation"),
)
Index("ix_obligations_status_due", obligations.c.status, obligations.c.due_at)
# The dashboard's and the case list's counts at scale (migration 0071): each is an index
# range without reading clock rows. Late clocks per unit, regulation and obligation; met,
# late and overdue clocks per regulation and day with whether they were met in time; the
# regulations with a dated clock, one index step each.
Index(
    "ix_obligations_late",
    obligations.c.status,
    obligations.c.unit_id,
    obligations.c.regulation,
    obligations.c.obligation_id,
    obligations.c.due_at,
)
Index(
    "ix_obligations_outcomes",
    obligations.c.status,
    obligations.c.due_at,
    obligations.c.regulation,
    obligations.c.met_at,
)
Index(
    "ix_obligations_regulation",
    obligations.c.regulation,
    obligations.c.status,
    obligations.c.due_at,
)
Index(
    "ix_obligations_unit_status_due",
    obligations.c.unit_id,
    obligations.c.status,
    obligations.c.due_at,
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", ID, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("tag", String(120), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(120), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("source", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_object", audit_events.c.object_type, audit_events.c.object_id)
# The auditor's trail search by actor or tag, newest first (migration 0061).
Index("ix_audit_actor_seq", audit_events.c.actor, audit_events.c.seq)
Index("ix_audit_tag_seq", audit_events.c.tag, audit_events.c.seq)

# One row: the chain's head. Appenders lock it so the chain stays linear under concurrency.
# Moved by triggers on every change to units, products, organisation options and calendar
# overrides (migration 0011): work prepared from reference data checks it before it commits.
reference_version = Table(
    "reference_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", ID, nullable=False),
    Column("hash", String(64), nullable=False),
)

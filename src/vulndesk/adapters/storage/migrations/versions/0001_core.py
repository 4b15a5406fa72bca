"""core schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("tag", sa.String(length=120), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=120), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_object", ["object_type", "object_id"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # The chain's head exists from the start, so concurrent first appenders lock, never race to insert.
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    op.create_table(
        "case_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "org_units",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.String(length=63), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_units.id"], name=op.f("fk_org_units_parent_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    op.create_table(
        "cases",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("unit_id", sa.String(length=63), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("cwe", sa.String(length=16), nullable=True),
        sa.Column("cvss31_vector", sa.String(length=200), nullable=True),
        sa.Column("cvss31_score", sa.Float(), nullable=True),
        sa.Column("cvss40_vector", sa.String(length=300), nullable=True),
        sa.Column("cvss40_score", sa.Float(), nullable=True),
        sa.Column("cn_grade", sa.String(length=8), nullable=True),
        sa.Column("upstream_component", sa.Boolean(), nullable=False),
        sa.Column("details_enc", sa.LargeBinary(), nullable=True),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("duplicate_of", sa.String(length=32), nullable=True),
        sa.Column("intake_id", sa.String(length=64), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "updated_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_cases_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("key", name=op.f("uq_cases_key")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_state_updated", ["state", "updated_at"], unique=False)
        batch_op.create_index("ix_cases_unit_updated", ["unit_id", "updated_at"], unique=False)
        batch_op.create_index("ix_cases_updated", ["updated_at"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("vendor", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("markets", sa.JSON(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("suppliers", sa.JSON(), nullable=False),
        sa.Column("users_must_act", sa.Boolean(), nullable=False),
        sa.Column("purl", sa.String(length=500), nullable=True),
        sa.Column("installed_base", sa.BigInteger(), nullable=True),
        sa.Column("owner_unit", sa.String(length=63), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_unit"], ["org_units.id"], name=op.f("fk_products_owner_unit_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_table(
        "case_facts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column(
            "recorded_at",
            vulndesk.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("evidence_enc", sa.LargeBinary(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_facts_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_facts")),
        sa.UniqueConstraint("case_id", "kind", "revision", name="uq_case_facts_revision"),
    )
    op.create_table(
        "case_products",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_products_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_case_products_product_id_products")
        ),
        sa.PrimaryKeyConstraint("case_id", "product_id", name=op.f("pk_case_products")),
    )
    with op.batch_alter_table("case_products", schema=None) as batch_op:
        batch_op.create_index("ix_case_products_product", ["product_id", "case_id"], unique=False)

    op.create_table(
        "case_transitions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_transitions_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transitions")),
    )
    with op.batch_alter_table("case_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_transitions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "obligations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.String(length=63), nullable=False),
        sa.Column("obligation_id", sa.String(length=120), nullable=False),
        sa.Column("regulation", sa.String(length=64), nullable=False),
        sa.Column("article", sa.String(length=64), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("action_zh", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column(
            "trigger_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("timing", sa.String(length=16), nullable=False),
        sa.Column(
            "due_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("period", sa.String(length=16), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("satisfied_fact", sa.String(length=40), nullable=True),
        sa.Column("satisfied_disclosure", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "met_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("met_ref", sa.String(length=200), nullable=True),
        sa.Column("waived_reason", sa.Text(), nullable=True),
        sa.Column("waived_by", sa.JSON(), nullable=False),
        sa.Column("interpretation", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column(
            "updated_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_obligations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
        sa.UniqueConstraint("case_id", "obligation_id", name="uq_obligations_case_obligation"),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index("ix_obligations_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            "ix_obligations_unit_status_due", ["unit_id", "status", "due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_obligations_unit_status_due")
        batch_op.drop_index("ix_obligations_status_due")

    op.drop_table("obligations")
    with op.batch_alter_table("case_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_transitions_case_id"))

    op.drop_table("case_transitions")
    with op.batch_alter_table("case_products", schema=None) as batch_op:
        batch_op.drop_index("ix_case_products_product")

    op.drop_table("case_products")
    op.drop_table("case_facts")
    op.drop_table("products")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_updated")
        batch_op.drop_index("ix_cases_unit_updated")
        batch_op.drop_index("ix_cases_state_updated")

    op.drop_table("cases")
    op.drop_table("parties")
    op.drop_table("org_units")
    op.drop_table("case_counters")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_object")

    op.drop_table("audit_events")

"""csaf suppliers: stored CSAF provider subscriptions with a pinned key, and their documents

Revision ID: 0066
Revises: 0065
Create Date: 2026-12-04

Two reference tables: `csaf_suppliers` (a supplier's provider-metadata.json URL, the OpenPGP
fingerprint pinned for it, the unit that handles its cases, who added it and when it was last
fetched) and `csaf_supplier_documents` (each document URL the provider listed, with its status,
tracking id and version, SHA-256 and when it was fetched). Nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0066"
down_revision = "0065"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(
        name, vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "csaf_suppliers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("metadata_url", sa.String(2000), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("unit_id", sa.String(63), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _at("created_at", False),
        _at("last_fetch_at", True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_csaf_suppliers_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csaf_suppliers")),
        sa.UniqueConstraint("name", name=op.f("uq_csaf_suppliers_name")),
    )
    op.create_table(
        "csaf_supplier_documents",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("supplier_id", ID, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("tracking_id", sa.String(200), nullable=True),
        sa.Column("tracking_version", sa.String(50), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        _at("fetched_at", False),
        _at("checked_at", False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["csaf_suppliers.id"],
            name=op.f("fk_csaf_supplier_documents_supplier_id_csaf_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csaf_supplier_documents")),
        sa.UniqueConstraint("supplier_id", "url", name="uq_csaf_supplier_documents_url"),
    )


def downgrade() -> None:
    op.drop_table("csaf_supplier_documents")
    op.drop_table("csaf_suppliers")

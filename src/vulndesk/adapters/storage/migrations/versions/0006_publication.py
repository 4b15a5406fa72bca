"""publication gate, imports and third-party work

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blackout_windows",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "start_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "end_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blackout_windows")),
        sa.UniqueConstraint("name", name=op.f("uq_blackout_windows_name")),
    )
    op.create_index(
        "ix_blackout_windows_span", "blackout_windows", ["start_at", "end_at"], unique=False
    )
    op.create_table(
        "case_shares",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("is_provider", sa.Boolean(), nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_shares")),
    )
    op.create_index(op.f("ix_case_shares_case_key"), "case_shares", ["case_key"], unique=False)
    op.create_table(
        "platform_filing",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("platform_name", sa.Text(), nullable=False),
        sa.Column("homepage_url", sa.Text(), nullable=False),
        sa.Column("icp_number", sa.Text(), nullable=False),
        sa.Column("publication_channels", sa.Text(), nullable=False),
        sa.Column("sponsor_name", sa.Text(), nullable=False),
        sa.Column("sponsor_id_number", sa.Text(), nullable=False),
        sa.Column("head_name", sa.Text(), nullable=False),
        sa.Column("head_contact", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_details", sa.Text(), nullable=False),
        sa.Column("registered_capital", sa.Text(), nullable=False),
        sa.Column("shareholding", sa.Text(), nullable=False),
        sa.Column("collection_scope", sa.Text(), nullable=False),
        sa.Column("collection_method", sa.Text(), nullable=False),
        sa.Column("verification_rules", sa.Text(), nullable=False),
        sa.Column("notification_rules", sa.Text(), nullable=False),
        sa.Column("publication_rules", sa.Text(), nullable=False),
        sa.Column("identity_verification_rules", sa.Text(), nullable=False),
        sa.Column("user_grading", sa.Text(), nullable=False),
        sa.Column("protection_level_proof", sa.Text(), nullable=False),
        sa.Column("standards_management", sa.Text(), nullable=False),
        sa.Column("commitment_letter", sa.Text(), nullable=False),
        sa.Column("other", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column(
            "updated_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_filing")),
    )
    op.create_table(
        "publication_decisions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_decisions")),
    )
    op.create_index(
        op.f("ix_publication_decisions_case_key"),
        "publication_decisions",
        ["case_key"],
        unique=False,
    )
    op.create_table(
        "sbom_components",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("product_id", sa.String(length=63), nullable=False),
        sa.Column("product_version", sa.String(length=100), nullable=False),
        sa.Column("purl", sa.String(length=500), nullable=False),
        sa.Column("package", sa.String(length=400), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sbom_components")),
    )
    op.create_index("ix_sbom_components_package", "sbom_components", ["package"], unique=False)
    op.create_index(
        "ix_sbom_components_product",
        "sbom_components",
        ["product_id", "product_version"],
        unique=False,
    )
    op.create_table(
        "upstream_advisories",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("publisher", sa.String(length=500), nullable=False),
        sa.Column("tracking_id", sa.String(length=200), nullable=False),
        sa.Column("vulnerability", sa.String(length=200), nullable=False),
        sa.Column("tracking_version", sa.String(length=50), nullable=False),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("purls", sa.JSON(), nullable=False),
        sa.Column(
            "imported_at",
            vulndesk.adapters.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_advisories")),
        sa.UniqueConstraint(
            "publisher", "tracking_id", "vulnerability", name="uq_upstream_advisories_ref"
        ),
    )
    op.create_index(
        op.f("ix_upstream_advisories_case_key"), "upstream_advisories", ["case_key"], unique=False
    )
    op.create_table(
        "vendor_tracking",
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("vendor", sa.String(length=63), nullable=False),
        sa.Column(
            "notified_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "fixed_at", vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("case_key", name=op.f("pk_vendor_tracking")),
    )


def downgrade() -> None:
    op.drop_table("vendor_tracking")
    op.drop_index(op.f("ix_upstream_advisories_case_key"), table_name="upstream_advisories")
    op.drop_table("upstream_advisories")
    op.drop_index("ix_sbom_components_product", table_name="sbom_components")
    op.drop_index("ix_sbom_components_package", table_name="sbom_components")
    op.drop_table("sbom_components")
    op.drop_index(op.f("ix_publication_decisions_case_key"), table_name="publication_decisions")
    op.drop_table("publication_decisions")
    op.drop_table("platform_filing")
    op.drop_index(op.f("ix_case_shares_case_key"), table_name="case_shares")
    op.drop_table("case_shares")
    op.drop_index("ix_blackout_windows_span", table_name="blackout_windows")
    op.drop_table("blackout_windows")

"""unit and case attributes the newer rule sets bind on

Revision ID: 0040
Revises: 0019
Create Date: 2026-12-03

Units gain the zone of their main establishment in the EU (CRA Art. 14(7) day counting), their
NIS2 status (essential or important), whether they are a DORA financial entity, and their class
under the CAC incident reporting measures (cii, state_organ, other); cases gain the incident
grade. All nullable: NULL is "not recorded". Columns are added in place, so the
reference-version triggers of 0011 on org_units stay.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "org_units", sa.Column("eu_main_establishment_timezone", sa.String(64), nullable=True)
    )
    op.add_column("org_units", sa.Column("nis2_entity", sa.String(16), nullable=True))
    op.add_column("org_units", sa.Column("financial_entity", sa.Boolean(), nullable=True))
    op.add_column("org_units", sa.Column("cn_operator_class", sa.String(16), nullable=True))
    op.add_column("cases", sa.Column("incident_grade", sa.String(24), nullable=True))


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ drops a column without rebuilding the table), so the
    # reference-version triggers of 0011 on org_units stay.
    op.execute("ALTER TABLE cases DROP COLUMN incident_grade")
    for name in (
        "cn_operator_class",
        "financial_entity",
        "nis2_entity",
        "eu_main_establishment_timezone",
    ):
        op.execute(f"ALTER TABLE org_units DROP COLUMN {name}")

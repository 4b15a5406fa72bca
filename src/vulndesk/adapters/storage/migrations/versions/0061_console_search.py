"""console search: audit-trail indexes by actor and tag, and the advisory's CVE id in clear

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-03

The auditor's trail search filters by actor or tag and pages newest first: an index on
(actor, seq) and one on (tag, seq) read one page without scanning the chain. The case list
searches CVE ids, which live only inside the encrypted advisory content: `cve_id` keeps a
plain copy of that public identifier per revision (NULL for revisions written before, until
their advisory is revised). Nothing else changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0061"
down_revision = "0060"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_actor_seq", "audit_events", ["actor", "seq"], unique=False)
    op.create_index("ix_audit_tag_seq", "audit_events", ["tag", "seq"], unique=False)
    with op.batch_alter_table("advisory_revisions") as batch:
        batch.add_column(sa.Column("cve_id", sa.String(20), nullable=True))
    op.create_index(
        "ix_advisory_revisions_cve", "advisory_revisions", ["cve_id", "case_key"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_advisory_revisions_cve", table_name="advisory_revisions")
    with op.batch_alter_table("advisory_revisions") as batch:
        batch.drop_column("cve_id")
    op.drop_index("ix_audit_tag_seq", table_name="audit_events")
    op.drop_index("ix_audit_actor_seq", table_name="audit_events")

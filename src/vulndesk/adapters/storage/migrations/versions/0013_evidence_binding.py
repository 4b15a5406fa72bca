"""evidence rows already stored are bound to the audit chain

Revision ID: 0013
Revises: 0018
Create Date: 2026-12-03

From this version every transaction that writes an evidence row (facts, clocks, drafts,
approvals, decisions, ledger entries, notices, escalations, publication records) appends an
audit event holding the digest of each row it wrote, and `vulndesk audit verify` compares
every stored row with its newest binding. Rows written before have no binding: this appends
one event binding all of them as they stand now. No schema change.
"""

from __future__ import annotations

from alembic import op

from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.audit import SqlAuditLog

revision = "0013"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    conn.info[evidence.MIGRATING] = True
    try:
        evidence.note_all_present(conn)
        SqlAuditLog(conn).flush()
    finally:
        conn.info.pop(evidence.MIGRATING, None)
        evidence.drop_pending(conn)


def downgrade() -> None:
    """The binding event stays: the chain is append-only."""

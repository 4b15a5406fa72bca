"""coordination: participants, statuses, embargo events, threads, and the purls parties make

Revision ID: 0065
Revises: 0063
Create Date: 2026-12-04

Four new evidence tables (see adapters/storage/evidence.py): `coord_participants` (the people
sealed in `people_enc`, bound by `people_sha256`), `coord_statements` (each participant's status
of a product, the statement sealed in `statement_enc`, bound by `sha256`, with who approved it),
`coord_embargo_events` (every step of a case's embargo with its IANA zone) and `coord_messages`
(the shared and private threads, bodies sealed). One reference table, `party_purls`: the package
URLs a party declares it makes, read by the invitation suggestions. Nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vulndesk.adapters.storage.types

revision = "0065"
down_revision = "0064"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(
        name, vulndesk.adapters.storage.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "coord_participants",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("party_id", sa.String(63), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("people_enc", sa.LargeBinary, nullable=False),
        sa.Column("people_sha256", sa.String(64), nullable=False),
        _at("invited_at", False),
        sa.Column("invited_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_participants")),
        sa.UniqueConstraint("case_key", "party_id", name="uq_coord_participants_party"),
    )
    op.create_table(
        "coord_statements",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("participant_id", ID, nullable=False),
        sa.Column("product", sa.String(400), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("justification", sa.String(64), nullable=True),
        sa.Column("fixed_versions", sa.JSON, nullable=False),
        sa.Column("statement_enc", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _at("recorded_at", False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        _at("approved_at", True),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["coord_participants.id"],
            name=op.f("fk_coord_statements_participant_id_coord_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_statements")),
    )
    op.create_index("ix_coord_statements_case", "coord_statements", ["case_key", "id"])
    op.create_table(
        "coord_embargo_events",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _at("at", False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("participant_id", ID, nullable=True),
        _at("end_at", True),
        sa.Column("zone", sa.String(64), nullable=True),
        sa.Column("seen_where", sa.String(1000), nullable=True),
        _at("seen_at", True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_embargo_events")),
    )
    op.create_index("ix_coord_embargo_events_case", "coord_embargo_events", ["case_key", "id"])
    op.create_table(
        "coord_messages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_key", sa.String(32), nullable=False),
        sa.Column("participant_id", ID, nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        _at("at", False),
        sa.Column("body_enc", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coord_messages")),
    )
    op.create_index("ix_coord_messages_case", "coord_messages", ["case_key", "id"])
    op.create_table(
        "party_purls",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("party_id", sa.String(63), nullable=False),
        sa.Column("purl", sa.String(400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_purls")),
        sa.UniqueConstraint("party_id", "purl", name="uq_party_purls_purl"),
    )
    op.create_index("ix_party_purls_party", "party_purls", ["party_id"])


def downgrade() -> None:
    op.drop_index("ix_party_purls_party", "party_purls")
    op.drop_table("party_purls")
    op.drop_index("ix_coord_messages_case", "coord_messages")
    op.drop_table("coord_messages")
    op.drop_index("ix_coord_embargo_events_case", "coord_embargo_events")
    op.drop_table("coord_embargo_events")
    op.drop_index("ix_coord_statements_case", "coord_statements")
    op.drop_table("coord_statements")
    op.drop_table("coord_participants")

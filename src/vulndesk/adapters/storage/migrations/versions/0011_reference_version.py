"""a version number that moves whenever reference data changes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23

Opening a case reads reference data (units, products, organisation options, calendar
overrides) and evaluates the rules on it. A public report does that before it takes the
writer lock, then checks under the lock that `reference_version.n` is what it was when it
read: equal, nothing it used has changed since; different, it reads and evaluates again.
Triggers move the number on every change to those tables, whoever makes it (the app, a bulk
load, a hand-written statement), and inside the changing transaction, so an uncommitted
change is seen only by its own transaction.

A later migration that rebuilds one of these tables (SQLite batch mode copies a table into a
new one) drops its triggers: it must create them again (`reference_triggers` below). The test
suite checks that every one is present at head.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

REFERENCE_TABLES = ("org_units", "products", "org_settings", "calendar_overrides")
_BUMP = "UPDATE reference_version SET n = n + 1 WHERE id = 1"


def reference_triggers(dialect: str, table: str) -> list[str]:
    """The statements that make changes to `table` move the reference version."""
    if dialect == "postgresql":
        return [
            (
                f"CREATE TRIGGER {table}_moves_reference_version "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION vd_move_reference_version()"
            )
        ]
    return [
        f"CREATE TRIGGER {table}_{event.lower()}_moves_reference_version "
        f"AFTER {event} ON {table} BEGIN {_BUMP}; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def upgrade() -> None:
    op.create_table(
        "reference_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO reference_version (id, n) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION vd_move_reference_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
    for table in REFERENCE_TABLES:
        for statement in reference_triggers(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in REFERENCE_TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_moves_reference_version ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_moves_reference_version")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS vd_move_reference_version()")
    op.drop_table("reference_version")

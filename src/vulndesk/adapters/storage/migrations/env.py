"""Alembic environment: runs migrations on the engine handed over by vulndesk's migrate module."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from vulndesk.adapters.storage.schema import metadata

engine = context.config.attributes["engine"]

# Any number of app processes may start at once on an empty or old database. On PostgreSQL
# they queue on a transaction-scoped advisory lock, so one migrates and the others then find
# the schema current. On SQLite the version is read and every step runs in one transaction
# under the writer lock (BEGIN IMMEDIATE): Alembic would otherwise commit step by step after
# reading the version once, and a second process could run a step the first already ran.
MIGRATION_LOCK = 0x76_64_6D_67  # "vdmg"

with engine.connect() as connection:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

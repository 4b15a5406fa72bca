"""The Alembic migrations build exactly the schema the code declares, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from vulndesk.adapters.storage import migrate
from vulndesk.adapters.storage.schema import metadata
from vulndesk.bootstrap import Container


def test_migrated_database_matches_the_models(container: Container) -> None:
    with container.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []


def test_schema_is_at_head_and_migration_is_idempotent(container: Container) -> None:
    assert container.schema_is_current()
    container.migrate()
    assert migrate.current_revisions(container.engine) == migrate.head_revisions(container.engine)
    assert len(migrate.head_revisions(container.engine)) == 1

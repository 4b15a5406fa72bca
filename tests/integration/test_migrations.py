"""The Alembic migrations build exactly the schema the code declares, on both engines."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from tests.conftest import TEST_KEYS
from tests.pg import PgServer
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


@pytest.mark.parametrize(
    "engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_app_processes_starting_at_once_migrate_an_empty_database_once(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Four processes migrate the same empty database at once: all succeed, one schema."""
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'vulndesk.db'}"
        drop = None
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        name = f"m{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.url(name)
        drop = (admin, name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")}
    env |= {
        "VULNDESK_DATABASE_URL": url,
        "VULNDESK_HOME": str(tmp_path),
        "VULNDESK_KEYS": TEST_KEYS,
    }
    code = "from vulndesk.bootstrap import build\nc = build()\nc.migrate()\nc.close()"
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(4)
        ]
        outputs = [(p.communicate(timeout=180)[0].decode(), p.returncode) for p in procs]
        assert [rc for _, rc in outputs] == [0, 0, 0, 0], outputs
        check = create_engine(url)
        try:
            assert migrate.current_revisions(check) == migrate.head_revisions(check)
            with check.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True})
                assert compare_metadata(ctx, metadata) == []
        finally:
            check.dispose()
    finally:
        if drop is not None:
            with drop[0].connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{drop[1]}" WITH (FORCE)'))
            drop[0].dispose()

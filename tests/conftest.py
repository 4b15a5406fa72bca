"""Shared fixtures: a container per test on SQLite and on a throwaway PostgreSQL."""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.builders import as_person
from tests.pg import PgServer, find_pg_bin, start_server
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
START = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
TEST_KEYS = '{"current": "k1", "keys": {"k1": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}}'
REQUIRE_PG = os.environ.get("VULNDESK_REQUIRE_POSTGRES") == "1"
_counter = itertools.count()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if find_pg_bin() is None:
        if REQUIRE_PG:
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) are required here but were not found")
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) not found on this machine: PostgreSQL runs skipped"
        )
    server = start_server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A migrated database that each test copies with CREATE DATABASE … TEMPLATE."""
    c = build(
        Settings(
            home=Path("/nonexistent"),
            database_url=pg_server.url("vd_template"),
            keys_json=TEST_KEYS,
        )
    )
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE vd_template"))
    c.migrate()
    c.close()
    admin.dispose()
    return "vd_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    c = build(Settings(home=path.parent, database_url=f"sqlite:///{path}", keys_json=TEST_KEYS))
    c.migrate()
    c.close()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on each engine."""
    with fresh_database(request, request.param, tmp_path) as url:
        yield url


@contextmanager
def fresh_database(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the migrated template on `engine` (sqlite or postgres), dropped afterwards."""
    if engine == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "vulndesk.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    template_db: str = request.getfixturevalue("pg_template")
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
    yield server.url(name)
    with admin.connect() as conn:
        still = conn.execute(_CONNECTED, {"name": name}).scalar_one()
    # Only when connections remain (rare) is the collector run: a full collection per test
    # would cost seconds a test on a large heap.
    left_open = _unreachable_connections() if still else 0
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    if left_open:
        pytest.fail(
            f"{left_open} database connection(s) of this test were dropped without being "
            "closed: close every engine and container the test builds (Container.close())",
            pytrace=False,
        )


_CONNECTED = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")


def _unreachable_connections() -> int:
    """How many connections nothing refers to any more were still open, closed now.

    An engine left undisposed keeps its pooled connections until the collector frees them, at a
    moment no test chooses: psycopg then warns inside whatever test runs, far from the cause. A
    collection here, while the test's database still exists, pins the warning on its test.
    """
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    return sum(
        issubclass(w.category, ResourceWarning) and "psycopg.Connection" in str(w.message)
        for w in seen
    )


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture
def container(db_url: str, tmp_path: Path, clock: SettableClock) -> Iterator[Container]:
    c = build(Settings(home=tmp_path, database_url=db_url, keys_json=TEST_KEYS), clock)
    yield c
    c.close()


@pytest.fixture
def deps(container: Container) -> Deps:
    return container.deps()


@pytest.fixture
def actor() -> Principal:
    """A person acting in a test: an administrator named analyst-a (see `as_person`)."""
    return as_person("analyst-a")

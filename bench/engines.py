"""Run one benchmark's measurement on a fresh SQLite file and on a throwaway PostgreSQL.

Every database benchmark measures the same way on both engines; this module holds the set-up
they share: the test key set, a temporary home, and the PostgreSQL server from `tests/pg.py`
(skipped when its binaries are not installed).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.services.ports import Clock

KEYS = '{"current": "k1", "keys": {"k1": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}}'

Rows = list[dict[str, Any]]
Measure = Callable[[Container, str], Rows]


def _run(settings: Settings, clock: Clock | None, measure: Measure, engine: str) -> Rows:
    c = build(settings, clock)
    try:
        return measure(c, engine)
    finally:
        c.close()


def make_durable(conn: Any) -> None:
    """Turn fsync and synchronous commit back on for the PostgreSQL server `conn` (an
    AUTOCOMMIT connection) is on: the test server runs without them."""
    from sqlalchemy import text

    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        conn.execute(text(f"ALTER SYSTEM SET {setting} = on"))
    conn.execute(text("SELECT pg_reload_conf()"))


def on_sqlite(measure: Measure, *, db_file: Path | None = None, clock: Clock | None = None) -> Rows:
    """`measure` on a SQLite database in a temporary home (or in `db_file`, kept)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = db_file.resolve() if db_file else Path(tmp) / "bench.db"
        settings = Settings(home=Path(tmp), database_url=f"sqlite:///{db}", keys_json=KEYS)
        return _run(settings, clock, measure, "sqlite")


def on_postgres(measure: Measure, database: str, *, clock: Clock | None = None) -> Rows:
    """`measure` on a new database of a throwaway PostgreSQL server; [] without PostgreSQL."""
    from sqlalchemy import create_engine, text
    from tests.pg import find_pg_bin, start_server

    if find_pg_bin() is None:
        return []
    server = start_server()
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        settings = Settings(
            home=Path(server.socket_dir), database_url=server.url(database), keys_json=KEYS
        )
        return _run(settings, clock, measure, "postgresql")
    finally:
        server.stop()

"""Engine creation: SQLite with WAL, synchronous=FULL and foreign keys; or PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool, QueuePool

# Seconds a writer waits for another thread of this process before leaving it to SQLite's
# own busy timeout, which then reports the lock as before.
_WRITER_WAIT = 30.0


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine tuned for the backend the URL names."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A file database keeps a few connections open: reconnecting costs the PRAGMAs, and
        # closing the last connection checkpoints and removes the WAL on every request.
        memory = not parsed.database or parsed.database == ":memory:"
        pool: dict[str, Any] = (
            {"poolclass": NullPool}
            if memory
            else {"poolclass": QueuePool, "pool_size": 4, "max_overflow": 8, "pool_timeout": 60}
        )
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30, "check_same_thread": False},
            **pool,
        )
        _tune_sqlite(engine)
        return engine
    if parsed.drivername in {"postgresql", "postgres"}:
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: Engine) -> None:
    # SQLite has one writer at a time. Threads of this process queue on a lock, which wakes
    # the next writer at once; left to SQLite they would poll with sleeps of up to 100 ms.
    writer = threading.Lock()

    def _release(conn: Any) -> None:
        if conn.info.pop("vd_writer", False):
            writer.release()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control so writes can start with BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: no deadlock when a reader upgrades to a writer.
        if conn.info.get("readonly"):
            conn.exec_driver_sql("BEGIN")
            return
        if not conn.info.get("vd_writer") and writer.acquire(timeout=_WRITER_WAIT):
            conn.info["vd_writer"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn)
            raise

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)

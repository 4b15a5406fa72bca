"""Engine creation: SQLite with WAL, synchronous=FULL and foreign keys; or PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool, QueuePool

# Seconds a writer waits for the other writers (threads of this process, then other processes)
# before leaving it to SQLite's own busy timeout, which then reports the lock as before.
_WRITER_WAIT = 30.0
# The lock file beside a SQLite database that writers of every process queue on.
LOCK_SUFFIX = ".writer-lock"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine tuned for the backend the URL names."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        # A file database keeps a few connections open: reconnecting costs the PRAGMAs, and
        # closing the last connection checkpoints and removes the WAL on every request.
        memory = not parsed.database or parsed.database == ":memory:"
        pool: dict[str, Any] = (
            {"poolclass": NullPool}
            if memory
            else {"poolclass": QueuePool, "pool_size": 16, "max_overflow": 16, "pool_timeout": 60}
        )
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30, "check_same_thread": False},
            **pool,
        )
        lock = None if memory or not parsed.database else Path(parsed.database + LOCK_SUFFIX)
        _tune_sqlite(engine, _FileLock(lock) if lock else None)
        return engine
    if parsed.drivername in {"postgresql", "postgres"}:
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _private_file(path: Path) -> None:
    """Create the database file 0600 (in a 0700 directory) before SQLite does: SQLite gives
    the WAL and SHM files the database file's mode, so all three stay the owner's."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # An existing database keeps the mode its operator gave it.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


class _FileLock:
    """An exclusive flock on a file beside the database, taken by writers of every process.

    Each acquisition opens the file anew and closing that descriptor releases the lock: a flock
    belongs to the open file description, so one per transaction cannot be mistaken for a lock
    an abandoned wait still holds. The kernel also releases it when the process dies, even by
    SIGKILL, so a crashed writer never leaves the others waiting.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def acquire(self, timeout: float) -> int | None:
        """The descriptor holding the lock, or None if it stayed busy for `timeout` seconds."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            # An unwritable lock file must not stop writes: SQLite's busy timeout still guards them.
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _wait_for_lock(fd, timeout)
        except OSError:
            os.close(fd)  # no flock here (some network file systems): as for an unwritable file
            return None
        except BaseException:
            os.close(fd)
            raise
        return fd


def _wait_for_lock(fd: int, timeout: float) -> int | None:
    """Take the lock on `fd` within `timeout` seconds, or close `fd` and return None."""
    # A blocking flock wakes the moment the holder lets go (and frees the GIL meanwhile), but
    # takes no timeout. So a helper thread blocks in it while this one waits at most `timeout`;
    # if this one gives up, the helper closes the descriptor, dropping the lock once it has it.
    settled = threading.Condition()
    outcome: list[bool] = []  # first entry wins: True the helper got it, False someone failed

    def block() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            got = True
        except OSError:
            got = False
        with settled:
            if outcome:  # the waiter gave up: the lock (if taken) is nobody's
                os.close(fd)
                return
            outcome.append(got)
            settled.notify()

    threading.Thread(target=block, name="vulndesk-writer-lock", daemon=True).start()
    with settled:
        if not settled.wait_for(lambda: bool(outcome), timeout):
            outcome.append(False)
            return None
    if outcome[0]:
        return fd
    os.close(fd)
    return None


def _pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Each new connection: WAL, synchronous=FULL, foreign keys and a busy timeout."""
    # Take over transaction control so writes can start with BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class _WriterLocks:
    """SQLite has one writer at a time. Threads of this process queue on a lock, and processes on
    a file lock, which wake the next writer at once; left to SQLite, writers would poll with
    sleeps of up to 100 ms. A connection's `info` says which of the two it holds."""

    def __init__(self, file_lock: _FileLock | None) -> None:
        self.writer = threading.Lock()
        self.file_lock = file_lock

    def release(self, info: dict[str, Any]) -> None:
        fd = info.pop("vd_writer_fd", None)
        if fd is not None:
            os.close(fd)  # this process's only descriptor of the lock: closing it unlocks
        if info.pop("vd_writer", False):
            self.writer.release()

    def take(self, conn: Any) -> None:
        deadline = time.monotonic() + _WRITER_WAIT
        if not conn.info.get("vd_writer") and self.writer.acquire(timeout=_WRITER_WAIT):
            conn.info["vd_writer"] = True
        # After a timeout on the thread lock, SQLite's busy timeout alone decides, as before.
        if self.file_lock and conn.info.get("vd_writer") and "vd_writer_fd" not in conn.info:
            fd = self.file_lock.acquire(max(0.0, deadline - time.monotonic()))
            if fd is not None:
                conn.info["vd_writer_fd"] = fd

    def begin(self, conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: no deadlock when a reader upgrades to a writer.
        if conn.info.get("readonly"):
            conn.exec_driver_sql("BEGIN")
            return
        try:
            self.take(conn)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.release(conn.info)
            raise

    def end(self, conn: Any, statement: str) -> None:
        # SQLAlchemy fires these events before it ends the transaction. Ending it here, still
        # under the locks, means the next writer wakes to a free database instead of into
        # SQLite's busy sleeps while this COMMIT (and its fsync) runs.
        if conn.invalidated:
            return  # the pool's invalidate event has released the locks
        info = conn.info
        if "vd_writer" not in info and "vd_writer_fd" not in info:
            return
        raw = conn.connection.dbapi_connection
        try:
            if raw is not None and raw.in_transaction:
                raw.execute(statement)
        except sqlite3.Error as err:
            # Still open: SQLAlchemy's own COMMIT or ROLLBACK tries again and reports. Closed by
            # a failed COMMIT: SQLite rolled it back, which must not pass for a commit.
            if statement == "COMMIT" and not raw.in_transaction:
                raise exc.DBAPIError.instance(statement, None, err, sqlite3.Error) from err
        finally:
            self.release(info)

    def dropped(self, _dbapi_conn: Any, record: Any, *_args: Any) -> None:
        # A connection invalidated or returned without commit or rollback still frees its locks.
        self.release(record.info)


def _tune_sqlite(engine: Engine, file_lock: _FileLock | None) -> None:
    locks = _WriterLocks(file_lock)
    event.listen(engine, "connect", _pragmas)
    event.listen(engine, "begin", locks.begin)
    event.listen(engine, "commit", lambda conn: locks.end(conn, "COMMIT"))
    event.listen(engine, "rollback", lambda conn: locks.end(conn, "ROLLBACK"))
    event.listen(engine, "invalidate", locks.dropped)
    event.listen(engine, "checkin", locks.dropped)

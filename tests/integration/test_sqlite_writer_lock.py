"""Writers in different processes queue on the SQLite writer lock file, not on busy sleeps."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from tests.waiting import MEET, until
from vulndesk.adapters.storage import engine as engine_module
from vulndesk.adapters.storage.engine import LOCK_SUFFIX, make_engine

# Run in a child process: argv = database file, mode, rows. "write" inserts rows in two threads
# with SQLite's busy timeout set to 0, so any write that is not queued on the locks fails with
# "database is locked" at once instead of being retried by SQLite. "hold" begins a write, says
# so, and waits on stdin before rolling back, then waits again before exiting.
CHILD = """
import sys, threading
from sqlalchemy import event, text
from vulndesk.adapters.storage.engine import make_engine

path, mode, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
engine = make_engine(f"sqlite:///{path}")

@event.listens_for(engine, "connect")
def no_busy_wait(dbapi_conn, _record):
    dbapi_conn.execute("PRAGMA busy_timeout=0")

if mode == "write":
    def write(thread):
        for i in range(rows):
            with engine.begin() as conn:
                n = conn.execute(text("SELECT count(*) FROM t")).scalar_one()
                conn.execute(text("INSERT INTO t (who, n) VALUES (:w, :n)"), {"w": thread, "n": n})
    threads = [threading.Thread(target=write, args=(f"{sys.argv[4]}-{k}",)) for k in range(2)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("done", flush=True)
else:
    conn = engine.connect()
    tx = conn.begin()
    conn.execute(text("INSERT INTO t (who, n) VALUES ('held', 0)"))
    print("holding", flush=True)
    sys.stdin.readline()
    tx.rollback()
    print("rolled back", flush=True)
    sys.stdin.readline()
"""

# Holds the lock file as a hung process would, without a database transaction, until stdin.
HOLD_FILE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "writers.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT, n INTEGER)"))
    engine.dispose()
    # An open connection keeps a closing child from checkpointing and deleting the WAL, which
    # takes a lock outside any transaction and would trip the others' zero busy timeout.
    keeper = sqlite3.connect(path)
    yield path
    keeper.close()


def _child(path: Path, mode: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), mode, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lock_is_free(path: Path) -> bool:
    fd = os.open(str(path) + LOCK_SUFFIX, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _rows(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT who, n FROM t ORDER BY id"))


def _no_busy_wait(engine: Engine) -> Engine:
    @event.listens_for(engine, "connect")
    def _zero(dbapi_conn: Any, _record: object) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=0")

    return engine


def test_two_processes_write_concurrently_without_busy_errors(db: Path) -> None:
    children = [_child(db, "write", "150", name) for name in ("a", "b")]
    outs = [c.communicate(timeout=120) for c in children]
    for child, (out, err) in zip(children, outs, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == "done"
        assert "database is locked" not in err
    rows = _rows(db)
    assert len(rows) == 4 * 150
    # Each write read the count inside its own transaction: serialised writers see every earlier
    # row, so the counts run 0, 1, 2 ... with no two transactions seeing the same total.
    assert [n for _, n in rows] == list(range(len(rows)))
    assert {who for who, _ in rows} == {"a-0", "a-1", "b-0", "b-1"}
    assert (Path(str(db) + LOCK_SUFFIX).stat().st_mode & 0o777) == 0o600


def test_rollback_releases_the_lock_to_another_process(db: Path) -> None:
    with _child(db, "hold", "0") as holder:
        assert holder.stdout is not None and holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "holding"
            assert not _lock_is_free(db)
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "rolled back"
            # The holder is still alive: the rollback released the lock, not its exit.
            assert holder.poll() is None
            assert _lock_is_free(db)
            engine = _no_busy_wait(make_engine(f"sqlite:///{db}"))
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t (who, n) VALUES ('after', 1)"))
            engine.dispose()
        finally:
            holder.kill()
    assert _rows(db) == [("after", 1)]


def test_a_killed_holder_releases_the_lock(db: Path) -> None:
    engine = make_engine(f"sqlite:///{db}")
    landed = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who, n) VALUES ('survivor', 1)"))
        landed.set()

    with _child(db, "hold", "0") as holder:
        assert holder.stdout is not None
        try:
            assert holder.stdout.readline().strip() == "holding"
            waiter = threading.Thread(target=write)
            waiter.start()
            # The writer queues behind the holder; nothing lands while the holder lives.
            assert not landed.wait(0.5)
        finally:
            os.kill(holder.pid, signal.SIGKILL)
    assert landed.wait(MEET)
    waiter.join()
    engine.dispose()
    # The killed holder's uncommitted row is gone; the waiting writer's row is there.
    assert _rows(db) == [("survivor", 1)]
    assert _lock_is_free(db)


def test_a_writer_stops_waiting_after_the_timeout_and_the_lock_comes_free(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that holds the lock file without writing (hung, say) delays a writer for the
    wait limit; then SQLite's own busy timeout decides, as it did before the lock file."""
    monkeypatch.setattr(engine_module, "_WRITER_WAIT", 0.3)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, str(db) + LOCK_SUFFIX],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "locked"
    engine = make_engine(f"sqlite:///{db}")
    started = time.monotonic()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (who, n) VALUES ('late', 1)"))
    waited = time.monotonic() - started
    # It waited its limit, then stopped (the holder never lets go until told): the upper bound
    # only has to tell "stopped" from "waits for ever", and a busy machine is slow.
    assert 0.3 <= waited < MEET
    holder.communicate("\n", timeout=30)
    # The abandoned wait takes the lock when the holder lets go and drops it straight away.
    until(lambda: _lock_is_free(db), "the abandoned wait let the lock go")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (who, n) VALUES ('next', 2)"))
    engine.dispose()
    assert _rows(db) == [("late", 1), ("next", 2)]


def test_read_only_transactions_do_not_wait_for_writers(db: Path) -> None:
    fd = os.open(str(db) + LOCK_SUFFIX, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        engine = make_engine(f"sqlite:///{db}")
        started = time.monotonic()
        with engine.connect() as conn:
            conn.info["readonly"] = True
            with conn.begin():
                assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
            conn.info["readonly"] = False
        # A reader that queued would wait the writers' full limit (30 s); MEET only has to tell
        # "went straight through" from that on a busy machine.
        assert time.monotonic() - started < min(MEET, engine_module._WRITER_WAIT / 2)
        engine.dispose()
    finally:
        os.close(fd)


def test_an_in_memory_database_makes_no_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()
    assert list(tmp_path.iterdir()) == []

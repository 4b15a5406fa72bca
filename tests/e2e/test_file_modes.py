"""Files vulndesk creates under its home are its owner's alone: 0600 files, 0700 directories.

Observation 13: the database, its WAL and SHM files and the server log were world-readable.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
from pathlib import Path

import httpx

from tests.e2e.cli import Cli, free_port, wait_healthy
from tests.waiting import SHUTDOWN, STARTUP
from vulndesk.adapters.storage.engine import make_engine


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private(home: Path) -> dict[str, int]:
    """Every path under `home` whose mode lets anyone but the owner in, with its mode."""
    paths = [home, *home.rglob("*")]
    return {str(p.relative_to(home)): _mode(p) for p in paths if _mode(p) & 0o077}


def test_a_home_made_by_the_command_line_is_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cli = Cli(home)
    del cli.env["VULNDESK_KEYS"]  # the key file is made in the home, as in production
    cli.run("init")
    db = home / "vulndesk.db"
    # A reader keeps the WAL and SHM files after the command's last connection closes.
    keeper = sqlite3.connect(db)
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
    cli.run("demo", "--if-empty")  # writes through the WAL; makes the key and credentials
    made = {p.name for p in home.iterdir()}
    assert {"vulndesk.db", "vulndesk.db-wal", "vulndesk.db-shm", "vulndesk.key"} <= made, made
    assert "demo-credentials.txt" in made
    assert _private(home) == {}
    assert _mode(home) == 0o700 and _mode(db) == 0o600
    keeper.close()


def test_a_served_home_and_its_log_file_are_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cli = Cli(home)
    del cli.env["VULNDESK_KEYS"]
    log = home / "logs" / "vulndesk.log"
    cli.env["VULNDESK_LOG_FILE"] = str(log)
    cli.run("demo", "--if-empty")
    port = free_port()
    proc = cli.serve("--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc, STARTUP)
        body = {"product": "router", "description": "Overflow in the parser."}
        headers = {"Idempotency-Key": secrets.token_hex(8)}
        created = httpx.post(base + "/api/v1/intake", json=body, headers=headers, timeout=20)
        assert created.status_code == 201, created.text
        made = {str(p.relative_to(home)) for p in home.rglob("*")}
        expected = {"vulndesk.db", "vulndesk.db-wal", "vulndesk.db-shm", "vulndesk.key"}
        assert expected | {"logs/vulndesk.log"} <= made, made
        assert _private(home) == {}
    finally:
        proc.terminate()
        output = proc.communicate(timeout=SHUTDOWN)[0]
    assert "POST /api/v1/intake" in log.read_text(encoding="utf-8"), output
    assert _mode(log) == 0o600 and _mode(log.parent) == 0o700


def test_the_engine_makes_a_private_database_whatever_the_umask(tmp_path: Path) -> None:
    """Used as a library (no entry point set the umask), the SQLite files are still 0600."""
    home = tmp_path / "lib-home"
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{home / 'vulndesk.db'}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as conn:  # held: the WAL and SHM files stay
            conn.exec_driver_sql("SELECT x FROM t").fetchall()
            made = {p.name for p in home.iterdir()}
            assert {"vulndesk.db", "vulndesk.db-wal", "vulndesk.db-shm"} <= made, made
            assert _private(home) == {}
        engine.dispose()
    finally:
        os.umask(old)

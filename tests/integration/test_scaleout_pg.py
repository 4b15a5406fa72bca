"""Scale-out on PostgreSQL: two app processes and two workers share one database.

Intake goes through both app processes in turn (a retry may land on the other one); cases
whose clocks started days ago cross their escalation thresholds at once. Both workers sweep
and dispatch at the same time: every crossed threshold must be escalated exactly once and
every past deadline marked overdue, with nothing sent twice.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.crash import checks
from tests.crash.harness import IntakeLoad, Service, Stack
from tests.pg import PgServer
from tests.waiting import STARTUP, until

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("crash")]


@pytest.fixture
def pg_stack(pg_server: PgServer, tmp_path: Path) -> Iterator[Stack]:
    name = f"scaleout{os.getpid()}"
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    stack = Stack(tmp_path, pg_server.url(name))
    stack.prepare()
    yield stack
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _wait_swept(stack: Stack, at: dt.datetime, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        missing = checks.unswept(stack, at)
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.5)


def _more_acked(load: IntakeLoad, reports: int) -> None:
    """Wait until the clients have `reports` more reports acknowledged."""
    start = len(load.acked)
    until(lambda: len(load.acked) >= start + reports, "intake acknowledging on both apps")


def test_two_apps_two_workers_send_each_escalation_once(pg_stack: Stack) -> None:
    rng = random.Random(8)
    pg_stack.seed_past_cases(15, rng)  # queued before any worker runs
    apps = [Service(pg_stack, "serve", f"app{n}") for n in (1, 2)]
    workers = [Service(pg_stack, "worker", f"worker{n}") for n in (1, 2)]
    try:
        for service in apps + workers:
            service.start()
        for app in apps:
            app.wait_ready()
        load = IntakeLoad([a.base for a in apps])
        load.start()
        for _ in range(4):  # more crossed deadlines while both workers run
            pg_stack.seed_past_cases(10, rng)
            _more_acked(load, 5)
        load.stop()
        assert not load.errors, load.errors[:5]
        checks.check_replay([a.base for a in apps], load.acked)
        at = dt.datetime.now(dt.UTC)
        assert checks.crossed(pg_stack, at) >= 50
        missing = _wait_swept(pg_stack, at, timeout=STARTUP)
        assert not missing, missing[:10]
        deadline = time.monotonic() + STARTUP
        while True:
            try:
                delivered = checks.check_outbox(pg_stack)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        for service in workers + apps:
            service.stop()
    assert delivered >= 50
    checks.check_intake(pg_stack, load.acked)
    checks.check_integrity(pg_stack)
    checks.audit_verify(pg_stack)
    assert len(load.acked) >= 10

"""Concurrent writers on the pooled engine: every audit append lands once and the chain holds.

Threads share the container's engine, as the API's worker threads do. On SQLite they queue on
the process's writer lock; on PostgreSQL on the chain head's row lock. A process that guessed
the head wrong (another writer moved it) must read it again, never fork the chain.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from vulndesk.bootstrap import Container
from vulndesk.domain.audit import AuditEvent
from vulndesk.services.audit import checkpoints as audit_tools

AT = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
THREADS, EACH = 4, 15


def _append(container: Container, worker: int) -> None:
    for i in range(EACH):
        with container.uow() as uow:
            uow.audit.append(AuditEvent(AT, f"w{worker}", "test:event:added", "test", str(i)))
            if i % 5 == 4:
                uow.rollback()  # a rolled-back append leaves a stale guess behind
                continue
            uow.commit()


def test_threads_append_without_losing_or_forking_events(container: Container) -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda n: _append(container, n), range(THREADS)))
    result = audit_tools.verify(container.deps())
    assert result.ok, result
    with container.uow() as uow:
        mine = [e for e in uow.audit.events() if e.event.tag == "test:event:added"]
    assert len(mine) == THREADS * (EACH - EACH // 5)
    assert len({e.seq for e in mine}) == len(mine)

"""The dashboard's on-time rate counts every clock of its twelve weeks, however many older
ones there are: it read the oldest 20,000 clocks of a status and lost the recent weeks."""

from __future__ import annotations

import datetime as dt

from bench.datagen import NOW, generate_cases
from sqlalchemy import select

from tests.builders import as_person
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.tables.core import obligations
from vulndesk.bootstrap import Container
from vulndesk.services.cases import views

ADMIN = as_person("admin-a", "test", roles={"admin"})


def test_the_rate_counts_every_clock_of_the_last_twelve_weeks(
    container: Container, clock: SettableClock
) -> None:
    generate_cases(container.engine, 7_000, per_case=5)  # about 21,000 older met clocks
    clock.set(NOW)
    first = NOW.date() - dt.timedelta(days=NOW.date().weekday(), weeks=11)
    since = dt.datetime.combine(first, dt.time(), dt.UTC)
    o = obligations.c
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(o.due_at, o.met_at, o.status).where(
                o.status.in_(("met", "met_late", "overdue")), o.due_at >= since, o.due_at <= NOW
            )
        ).all()
        met_before = conn.execute(
            select(o.id).where(o.status == "met", o.due_at < since).limit(20_001)
        ).all()
    assert len(met_before) > 20_000, "older clocks beyond the old scan's 20,000"
    weeks = views.compliance(container.deps(), ADMIN)["bench"]
    assert sum(w.due for w in weeks) == len(rows) > 0
    assert sum(w.on_time for w in weeks) == sum(
        1 for r in rows if r.met_at is not None and r.met_at <= r.due_at
    )
    assert weeks[-1].week_start == NOW.date() - dt.timedelta(days=NOW.date().weekday())
    assert weeks[-1].due > 0

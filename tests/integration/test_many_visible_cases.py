"""A person who is a member of tens of thousands of cases still gets the case list, the
count, the clocks and the regulations: SQLite takes at most 32,766 bound values (250,000 as
Debian builds it) and PostgreSQL's protocol 65,535."""

from __future__ import annotations

import datetime as dt

from tests.builders import as_person, open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.ids import CaseKey
from vulndesk.services.ports import CaseFilter, DueFilter

ACTOR = as_person("analyst-a", "test", unit="cn")
MANY = 260_000  # beyond 32,766 and beyond 250,000 (Debian builds SQLite with the larger)


def test_filters_with_more_case_keys_than_sqlite_binds(
    container: Container, clock: SettableClock
) -> None:
    deps = container.deps()
    seed_reference(deps, ACTOR)
    real = [open_case(deps, ACTOR).key for _ in range(3)]
    keys = tuple(sorted({*real, *(CaseKey(f"VD-1999-{n:06d}") for n in range(MANY))}))
    with deps.uow() as uow:
        listed = uow.cases.list(CaseFilter(keys=keys, limit=500))
        counted = uow.cases.count(CaseFilter(keys=keys, limit=500))
        clocks = uow.obligations.due(
            DueFilter(until=clock.now() + dt.timedelta(days=3650), cases=keys, limit=1000)
        )
        regulations = uow.obligations.regulations(keys)
    assert sorted(c.key for c in listed) == sorted(real)
    assert counted == len(real)
    assert {o.case for o in clocks} == set(real)
    assert regulations

"""Reading one case uses the indexes of its facts and transitions, whatever the database holds.

The case is read with its facts and transitions in one statement (a UNION ALL joined to the
case row). SQLite does not push the join's condition into the union: unless each branch finds
the case itself, it built every case's facts for each read, and a read cost grew with the
database (5.3 ms per read at 3,000 cases, 1.5 ms at 300).
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy.dialects import sqlite

from tests.builders import open_case, seed_reference
from vulndesk.adapters.storage.repositories.case_statements import GET_CASE as _GET_CASE
from vulndesk.bootstrap import Container
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases


def test_a_case_read_searches_its_children_by_index(container: Container, actor: Principal) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL plans a join through the union itself")
    deps = container.deps()
    seed_reference(deps, actor)
    made = [open_case(deps, actor, title=f"Overflow {n}") for n in range(3)]
    cases.transition(deps, actor, made[0].key, "triage", "looks real")
    compiled = _GET_CASE.statement.compile(dialect=sqlite.dialect())
    values = compiled.construct_params({"wanted": str(made[0].key)})
    assert values is not None
    args = tuple(values[name] for name in cast(Any, compiled).positiontup or ())
    with container.engine.connect() as conn:
        plan = [
            str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args)
        ]
    scans = [step for step in plan if step.startswith("SCAN case_")]
    assert not scans, plan
    assert any("SEARCH case_facts USING" in step for step in plan), plan
    assert any("SEARCH case_transitions USING" in step for step in plan), plan
    # And the read still returns the case with its facts and transitions, for each case.
    with container.uow() as uow:
        got = [uow.cases.get(c.key) for c in made]
    assert [g.key for g in got] == [c.key for c in made]
    assert [len(g.transitions) for g in got] == [1, 0, 0]
    assert all(g.facts for g in got)

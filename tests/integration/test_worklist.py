"""The dashboard's work lists on real storage: my cases by time left, everyone's by unit."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import demo_with_history, reader
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import Forbidden
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.clocks import worklist
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter

WITHIN = dt.timedelta(hours=72)


@pytest.fixture
def demo_org(container: Container, deps: Deps) -> Deps:
    return demo_with_history(container, deps)


def test_my_cases_first_by_time_left(demo_org: Deps) -> None:
    analyst = reader("analyst-cn", "analyst", "acme-cn")
    work = worklist.worklist(demo_org, analyst, WITHIN)
    with demo_org.uow() as uow:
        mine = set(uow.accounts.member_cases("analyst-cn"))
        states = {str(r.key): r.state for r in uow.cases.list(CaseFilter(limit=500))}
    assert work.mine and {i.clock.case for i in work.mine} <= mine
    dues = [i.clock.due for i in work.mine]
    assert dues == sorted(d for d in dues if d is not None)
    assert all(states[str(i.clock.case)] not in worklist.FINISHED for i in work.mine)
    assert all(
        i.clock.status in {ObligationStatus.OPEN, ObligationStatus.OVERDUE} for i in work.mine
    )
    assert all(i.clock.status is ObligationStatus.MET_LATE for i in work.met_late)
    assert all(i.unit == "acme-cn" for i in work.mine)
    assert work.units == ()  # an analyst sees no other unit's clocks


def test_headquarters_sees_every_unit_by_regulation(demo_org: Deps) -> None:
    hq = reader("hq-oversight", "hq-oversight", "acme-hq")
    work = worklist.worklist(demo_org, hq, WITHIN)
    assert work.mine == ()  # a member of no case
    units = [g.unit for g in work.units]
    assert units == sorted(units) and "acme-cn" in units
    for group in work.units:
        regulations = [r for r, _items in group.by_regulation]
        assert regulations == sorted(regulations)
        for regulation, items in group.by_regulation:
            assert all(i.unit == group.unit for i in items)
            assert all(i.clock.obligation.regulation == regulation for i in items)
    analyst = worklist.worklist(demo_org, reader("analyst-cn", "analyst", "acme-cn"), WITHIN)
    cn = next(g for g in work.units if g.unit == "acme-cn")
    seen = {(i.clock.case, i.clock.id) for _r, items in cn.by_regulation for i in items}
    assert {(i.clock.case, i.clock.id) for i in analyst.mine} <= seen


def test_a_role_without_cases_is_refused(demo_org: Deps) -> None:
    with pytest.raises(Forbidden):
        worklist.worklist(demo_org, reader("auditor", "auditor", "acme-hq"), WITHIN)

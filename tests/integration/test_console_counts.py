"""The dashboard's and the case list's counts read indexes (migration 0071) and give what a
read of every row gives, on both engines: the regulations with a dated clock that applies,
late clocks per case unit (also after the case moves to another unit), and need-to-know
cases by membership."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select, update

from tests.builders import open_case, seed_reference, sql
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.tables.core import cases, obligations
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import editing
from vulndesk.services.context import Deps

NA = ObligationStatus.NOT_APPLICABLE.value


def _every_regulation(deps: Deps) -> list[str]:
    """The regulations with a dated clock that applies, read from every clock row."""
    o = obligations.c
    stmt = select(o.regulation).where(o.due_at.is_not(None), o.status != NA).distinct()
    with deps.reader() as uow:
        return sorted(str(r[0]) for r in sql(uow).execute(stmt))


def _late_by_case_unit(deps: Deps) -> list[tuple[str, str, str, str, int]]:
    """Late clocks per the case's own unit (joined), regulation and obligation."""
    o = obligations.c
    stmt = (
        select(cases.c.unit_id, o.regulation, o.obligation_id, o.status, func.count())
        .join(cases, cases.c.id == o.case_id)
        .where(o.status.in_(("overdue", "met_late")), o.due_at.is_not(None))
        .group_by(cases.c.unit_id, o.regulation, o.obligation_id, o.status)
    )
    with deps.reader() as uow:
        rows = sql(uow).execute(stmt)
        return sorted((str(a), str(b), str(c), str(d), int(n)) for a, b, c, d, n in rows)


def _late_counts(deps: Deps) -> list[tuple[str, str, str, str, int]]:
    with deps.reader() as uow:
        found = uow.obligations.late_counts(None)
    return sorted((str(c.unit), c.regulation, c.obligation, c.status.value, c.count) for c in found)


def test_regulations_step_through_the_index_and_skip_clocks_that_do_not_apply(
    deps: Deps, actor: Principal
) -> None:
    seed_reference(deps, actor)
    open_case(deps, actor)
    other = open_case(deps, actor)
    # The second case's undated clocks go under a name that sorts first (no dated clock:
    # never listed), its one dated clock under a name that sorts last.
    with deps.uow() as uow:
        case_id = select(cases.c.id).where(cases.c.key == other.key).scalar_subquery()
        mine = obligations.c.case_id == case_id
        dated = and_(mine, obligations.c.due_at.is_not(None), obligations.c.status != NA)
        sql(uow).execute(update(obligations).where(mine).values(regulation="a-first"))
        sql(uow).execute(
            update(obligations)
            .where(
                mine,
                obligations.c.id
                == select(func.max(obligations.c.id)).where(dated).scalar_subquery(),
            )
            .values(regulation="zz-last")
        )
        uow.commit()
    with deps.reader() as uow:
        listed = uow.obligations.regulations(None)
    assert listed == _every_regulation(deps)
    assert "a-first" not in listed
    assert listed[-1] == "zz-last"
    assert len(listed) == 2
    # Every clock of one regulation no longer applies: it leaves the list.
    gone = listed[0]
    with deps.uow() as uow:
        sql(uow).execute(
            update(obligations).where(obligations.c.regulation == gone).values(status=NA)
        )
        uow.commit()
    with deps.reader() as uow:
        assert uow.obligations.regulations(None) == listed[1:] == _every_regulation(deps)


def test_late_clocks_are_counted_under_the_cases_unit_after_a_move(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed_reference(deps, actor)
    moved = open_case(deps, actor)
    open_case(deps, actor, unit="de")
    clock.advance(dt.timedelta(days=400))  # every dated clock of both cases is now late
    with deps.uow() as uow:
        sql(uow).execute(
            update(obligations)
            .where(obligations.c.status == "open", obligations.c.due_at.is_not(None))
            .values(status="overdue")
        )
        uow.commit()
    before = _late_counts(deps)
    assert before == _late_by_case_unit(deps)
    assert {unit for unit, *_ in before} == {"cn", "de"}
    editing.edit_case(deps, actor, moved.key, {"unit": "de"})
    after = _late_counts(deps)
    assert after == _late_by_case_unit(deps)
    assert {unit for unit, *_ in after} == {"de"}


def test_member_cases_come_from_the_cases_with_members(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    lone = open_case(deps, actor)
    shared = open_case(deps, actor, members=["amy", "bob"])
    with deps.reader() as uow:
        assert uow.accounts.member_cases("amy") == (shared.key,)
        assert uow.accounts.member_cases("carl") == ()
    assert lone.members == ()

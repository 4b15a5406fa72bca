"""Closing a case with open regulator obligations: refused naming them until each is resolved;
closed and duplicate cases leave the due lists."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import seed_reference
from tests.fakes import FakeHasher, FakeWorld, rules_evaluator
from tests.unit.services.test_use_cases import ADM1, ADM2, ADMIN, COORD, HQ, A, B, _open
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import CaseState
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access import rights as access
from vulndesk.services.accounts import users as accounts
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import views


@pytest.fixture
def world() -> FakeWorld:
    w = FakeWorld(evaluate=rules_evaluator())
    seed_reference(w.deps(), ADMIN)
    for who in (A, B, HQ, COORD, ADM1, ADM2):
        accounts.add_user(
            w.deps(),
            ADMIN,
            FakeHasher(),
            name=who.name,
            email=f"{who.name}@example.org",
            roles=sorted(who.roles),
            unit=who.unit,
        )
    return w


def _rejected(w: FakeWorld) -> str:
    case = _open(w)
    cases.transition(w.deps(), A, case.key, "rejected", "not a vulnerability")
    return str(case.key)


def _open_ids(w: FakeWorld, key: str) -> list[str]:
    return sorted(
        o.id
        for o in w.uow().obligations.for_case(CaseKey(key))
        if o.status in (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
    )


def test_a_close_with_open_obligations_is_refused_naming_each(world: FakeWorld) -> None:
    key = _rejected(world)
    still = _open_ids(world, key)
    assert still
    with pytest.raises(GuardFailed, match="obligations-resolved") as refused:
        cases.transition(world.deps(), COORD, key, "closed", "done")
    assert all(oid in refused.value.detail for oid in still)
    assert world.uow().cases.get(CaseKey(key)).state is CaseState.REJECTED


def test_marking_each_not_applicable_with_a_reason_closes_and_is_audited(
    world: FakeWorld,
) -> None:
    key = _rejected(world)
    still = _open_ids(world, key)
    marks = dict.fromkeys(still, "the report was rejected: no vulnerability")
    with pytest.raises(GuardFailed, match=still[-1].replace(".", r"\.")):
        cases.transition(
            world.deps(), COORD, key, "closed", "done", None, dict(list(marks.items())[:-1])
        )
    closed = cases.transition(world.deps(), COORD, key, "closed", "done", None, marks)
    assert closed.state is CaseState.CLOSED
    stored = {o.id: o for o in world.uow().obligations.for_case(closed.key)}
    assert {stored[o].status for o in still} == {ObligationStatus.NOT_APPLICABLE}
    assert stored[still[0]].waived_by == (COORD.name,)
    assert world.tags().count(AuditTag.CASE_OBLIGATION_NOT_APPLICABLE) == len(still)
    assert world.tags()[-1] == AuditTag.CASE_STATE_CHANGED


def test_blank_reasons_unknown_ids_and_roles_are_refused(world: FakeWorld) -> None:
    key = _rejected(world)
    still = _open_ids(world, key)
    with pytest.raises(GuardFailed, match="obligations-resolved"):
        cases.transition(world.deps(), COORD, key, "closed", "x", None, dict.fromkeys(still, " "))
    with pytest.raises(InvalidInput, match="not_applicable"):
        cases.transition(world.deps(), COORD, key, "closed", "x", None, {"nope/none": "why"})
    with pytest.raises(GuardFailed, match="coordinator or an administrator"):
        cases.transition(world.deps(), A, key, "closed", "x", None, dict.fromkeys(still, "why"))
    with pytest.raises(InvalidInput, match="closed"):
        cases.transition(world.deps(), COORD, key, "triage", "x", None, {still[0]: "why"})


def test_closed_and_duplicate_cases_leave_the_due_lists(world: FakeWorld) -> None:
    key = _rejected(world)
    other = _open(world)
    world.clock.advance(dt.timedelta(days=60))
    assert key in {
        o.case for o in access.due_soon(world.deps(), A, dt.timedelta(days=1), None, 100)
    }
    assert key in views.overdue_cases(world.deps(), A)
    cases.transition(
        world.deps(),
        COORD,
        key,
        "closed",
        "done",
        None,
        dict.fromkeys(_open_ids(world, key), "rejected"),
    )
    cases.transition(world.deps(), A, other.key, "duplicate", "same", str(key))
    due = {o.case for o in access.due_soon(world.deps(), A, dt.timedelta(days=1), None, 100)}
    assert key not in due and other.key not in due
    assert views.overdue_cases(world.deps(), A) == ()
    assert views.cases_due_within(world.deps(), A, dt.timedelta(days=400)) == ()

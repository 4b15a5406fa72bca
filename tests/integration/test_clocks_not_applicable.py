"""Obligations that stop arising are kept as not applicable, and come back when they arise again."""

from __future__ import annotations

import datetime as dt

from tests.builders import open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps
from vulndesk.services.ports import DueFilter

EARLY_WARNING = "eu-cra-2024/early-warning"


def _status(container: Container, key: str, ob: str) -> ObligationStatus | None:
    with container.uow() as uow:
        found = {o.id: o.status for o in uow.obligations.for_case(CaseKey(key))}
    return found.get(ob)


def test_retracted_trigger_leaves_the_obligation_on_record(
    deps: Deps, actor: Principal, container: Container, clock: SettableClock
) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor, aware="2026-11-01T08:00:00+00:00")
    assert _status(container, case.key, EARLY_WARNING) is None
    cases.record_fact(
        deps, actor, case.key, "exploitation_aware", "2026-11-01T09:00:00+00:00", "KEV entry"
    )
    assert _status(container, case.key, EARLY_WARNING) is ObligationStatus.OPEN
    clock.advance(dt.timedelta(minutes=5))
    cases.record_fact(
        deps, actor, case.key, "exploitation_aware", None, "entry withdrawn", retract=True
    )
    assert _status(container, case.key, EARLY_WARNING) is ObligationStatus.NOT_APPLICABLE
    with container.uow() as uow:
        due = uow.obligations.due(DueFilter(until=clock.now() + dt.timedelta(days=30)))
    assert EARLY_WARNING not in {o.id for o in due}
    cases.record_fact(
        deps,
        actor,
        case.key,
        "exploitation_aware",
        "2026-11-01T10:00:00+00:00",
        "confirmed",
        correct=True,
    )
    assert _status(container, case.key, EARLY_WARNING) is ObligationStatus.OPEN

"""Queries over clocks: what falls due soonest across cases."""

from __future__ import annotations

import datetime as dt

from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import UnitId
from vulndesk.services.context import Deps
from vulndesk.services.ports import DueFilter


def due_soon(
    deps: Deps, within: dt.timedelta, unit: UnitId | None = None, limit: int = 100
) -> list[CaseObligation]:
    """Open and overdue deadlines due before now + within, soonest first."""
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", f"{limit} is out of range", "1-1000")
    if unit is not None:
        with deps.uow() as uow:
            uow.units.get(unit)
    until = deps.clock.now() + within
    with deps.uow() as uow:
        return uow.obligations.due(DueFilter(until=until, unit=unit, limit=limit))

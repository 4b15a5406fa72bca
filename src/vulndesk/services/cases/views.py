"""Read models of the console's case pages: regime and due-soon filters, compliance per week."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from vulndesk.domain.cases import CaseState
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access.rights import FINISHED, Principal, visible_cases
from vulndesk.services.context import Deps
from vulndesk.services.ports import DueFilter

# Enough for every clock of a mid-sized organisation; the lists that use it are filters.
_SCAN_LIMIT = 20_000
_ALL = (
    ObligationStatus.OPEN,
    ObligationStatus.OVERDUE,
    ObligationStatus.MET,
    ObligationStatus.MET_LATE,
    ObligationStatus.WAIVED,
)


def _clocks(
    deps: Deps,
    p: Principal,
    until: dt.datetime,
    statuses: tuple[ObligationStatus, ...],
    skip_states: tuple[CaseState, ...] = (),
) -> list[CaseObligation]:
    with deps.reader() as uow:
        keys = visible_cases(uow, p)
        flt = DueFilter(
            until=until, cases=keys, statuses=statuses, limit=_SCAN_LIMIT, skip_states=skip_states
        )
        return uow.obligations.due(flt)


def regulations(deps: Deps, p: Principal) -> list[str]:
    """The regulations with a dated clock on any case the principal may see."""
    with deps.reader() as uow:
        return uow.obligations.regulations(visible_cases(uow, p))


def cases_under(deps: Deps, p: Principal, regulation: str) -> tuple[CaseKey, ...]:
    """Visible cases with at least one dated clock under `regulation`."""
    far = deps.clock.now() + dt.timedelta(days=3650)
    found = {o.case for o in _clocks(deps, p, far, _ALL) if o.obligation.regulation == regulation}
    return tuple(sorted(found))


def cases_due_within(deps: Deps, p: Principal, within: dt.timedelta) -> tuple[CaseKey, ...]:
    """Visible live cases with an open clock falling due between now and now + within: overdue
    clocks and closed or duplicate cases are not "due within" anything."""
    now = deps.clock.now()
    found = _clocks(deps, p, now + within, (ObligationStatus.OPEN,), FINISHED)
    return tuple(sorted({o.case for o in found if o.due is not None and o.due > now}))


def overdue_cases(deps: Deps, p: Principal) -> tuple[CaseKey, ...]:
    """Visible live cases with an overdue clock."""
    now = deps.clock.now()
    found = _clocks(deps, p, now, (ObligationStatus.OPEN, ObligationStatus.OVERDUE), FINISHED)
    return tuple(sorted({o.case for o in found if o.due is not None and o.due <= now}))


def live_deadlines(deps: Deps, p: Principal, keys: set[CaseKey]) -> list[CaseObligation]:
    """Open and overdue dated deadlines of the visible `keys` (a list page), soonest first."""
    with deps.reader() as uow:
        visible = visible_cases(uow, p)
        wanted = tuple(sorted(k for k in keys if visible is None or k in visible))
        far = deps.clock.now() + dt.timedelta(days=3650)
        flt = DueFilter(until=far, cases=wanted, limit=_SCAN_LIMIT)
        return uow.obligations.due(flt) if wanted else []


@dataclass(frozen=True, slots=True)
class WeekRate:
    """Deadlines of one regulation that fell due in one week, how many were met in time, and
    how many were met late (missed, like the overdue ones)."""

    week_start: dt.date
    due: int
    on_time: int
    late: int = 0

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


def compliance(deps: Deps, p: Principal, weeks: int = 12) -> dict[str, list[WeekRate]]:
    """Met on time / (met + met late + overdue) per regulation per ISO week, for the last
    `weeks` weeks: a deadline met late was missed.

    Waived clocks and clocks not yet due count in neither part: they were never missed or met.
    """
    now = deps.clock.now()
    today = now.astimezone(dt.UTC).date()
    first = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks - 1)
    starts = [first + dt.timedelta(weeks=i) for i in range(weeks)]
    counts: dict[str, dict[dt.date, list[int]]] = defaultdict(
        lambda: {s: [0, 0, 0] for s in starts}
    )
    since = dt.datetime.combine(first, dt.time(), dt.UTC)
    with deps.reader() as uow:
        found = uow.obligations.outcomes(since, now, visible_cases(uow, p))
    for item in found:
        cell = counts[item.regulation][item.day - dt.timedelta(days=item.day.weekday())]
        cell[0] += item.count
        cell[1] += item.count if item.on_time else 0
        cell[2] += item.count if item.status is ObligationStatus.MET_LATE else 0
    return {
        reg: [WeekRate(s, c[0], c[1], c[2]) for s, c in sorted(cells.items())]
        for reg, cells in sorted(counts.items())
    }

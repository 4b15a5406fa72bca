"""What a person must do next: their cases' clocks by time left, and everyone's by unit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from vulndesk.domain.cases import CaseState
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access import rights as access
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter, DueFilter, UnitOfWork

# A closed, rejected or duplicate case asks nothing more of anyone.
FINISHED = frozenset({CaseState.CLOSED, CaseState.REJECTED, CaseState.DUPLICATE})
LATE_WINDOW = dt.timedelta(days=14)  # how far back a deadline met late stays on the list
LIMIT = 500


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One clock on the list, with the case facts a reader needs beside it."""

    clock: CaseObligation
    title: str
    unit: str

    @property
    def overdue(self) -> bool:
        return self.clock.status is ObligationStatus.OVERDUE


@dataclass(frozen=True, slots=True)
class UnitGroup:
    """A unit's clocks, by regulation (the rule set id), each list soonest first."""

    unit: str
    by_regulation: tuple[tuple[str, tuple[WorkItem, ...]], ...]


@dataclass(frozen=True, slots=True)
class Worklist:
    """`mine`: open and overdue clocks of the person's own cases, least time left first;
    `met_late`: their deadlines met late in the last two weeks; `units`: every visible clock
    grouped by unit and regulation (for those who see every case, else empty)."""

    mine: tuple[WorkItem, ...]
    met_late: tuple[WorkItem, ...]
    units: tuple[UnitGroup, ...]

    def by_regulation(self) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
        """Per regulation, per unit (in `units` order): (overdue, still running) clocks."""
        counts: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        for group in self.units:
            for regulation, items in group.by_regulation:
                late = sum(1 for i in items if i.overdue)
                counts[regulation][group.unit] = (late, len(items) - late)
        return [
            (reg, tuple(counts[reg].get(g.unit, (0, 0)) for g in self.units))
            for reg in sorted(counts)
        ]


def _cases(uow: UnitOfWork, keys: set[str]) -> dict[str, tuple[str, str]]:
    """key -> (title, unit) of the unfinished cases among `keys`."""
    if not keys:
        return {}
    found: dict[str, tuple[str, str]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), LIMIT):
        chunk = tuple(CaseKey(k) for k in ordered[start : start + LIMIT])
        flt = CaseFilter(keys=chunk, limit=LIMIT)
        for row in uow.cases.list(flt):
            if row.state not in FINISHED:
                found[str(row.key)] = (row.title, str(row.unit))
    return found


def _items(clocks: list[CaseObligation], cases: dict[str, tuple[str, str]]) -> list[WorkItem]:
    return [
        WorkItem(c, *cases[str(c.case)])
        for c in clocks
        if str(c.case) in cases and c.due is not None
    ]


def _grouped(items: list[WorkItem]) -> tuple[UnitGroup, ...]:
    units: dict[str, dict[str, list[WorkItem]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        units[item.unit][item.clock.obligation.regulation].append(item)
    return tuple(
        UnitGroup(unit, tuple((reg, tuple(units[unit][reg])) for reg in sorted(units[unit])))
        for unit in sorted(units)
    )


def worklist(deps: Deps, principal: access.Principal, within: dt.timedelta) -> Worklist:
    """The dashboard's lists for `principal`, deadlines up to `within` from now."""
    principal.require(access.CASE_READERS)
    now = deps.clock.now()
    with deps.uow() as uow:
        mine_keys = tuple(uow.accounts.member_cases(principal.name))
        visible = access.visible_cases(uow, principal)
        due = uow.obligations.due(DueFilter(until=now + within, cases=visible, limit=LIMIT))
        late = uow.obligations.due(
            DueFilter(
                until=now,
                cases=mine_keys,
                statuses=(ObligationStatus.MET_LATE,),
                limit=LIMIT,
            )
        )
        late = [c for c in late if c.due and c.due >= now - LATE_WINDOW]
        cases = _cases(uow, {str(c.case) for c in (*due, *late)})
    mine_set = {str(k) for k in mine_keys}
    everything = _items(due, cases)
    mine = [i for i in everything if str(i.clock.case) in mine_set]
    late_items = sorted(_items(late, cases), key=lambda i: i.clock.due or now, reverse=True)
    units = _grouped(everything) if principal.has(access.ALL_CASES) else ()
    return Worklist(tuple(mine), tuple(late_items), units)

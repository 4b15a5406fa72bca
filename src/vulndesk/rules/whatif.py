"""What if a rule file were in force: its obligations on given cases, as if binding since each trigger.

Pure: the caller passes the cases (their situations and what already met which duty) and the
instant; nothing is stored. An obligation already met, on time or late, is not reported; one
whose due instant has passed is `overdue`, one due within the window is `due_soon`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.rules.calendars import CalendarSource
from vulndesk.rules.engine import evaluate
from vulndesk.rules.model import RuleSet

OVERDUE = "overdue"
DUE_SOON = "due_soon"
WINDOW = dt.timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class CaseInput:
    """One open case as the what-if reads it; `met` holds `fact:<kind>` and `disclosure:<kind>`."""

    key: CaseKey
    unit: UnitId
    situation: Situation
    met: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Finding:
    """An obligation the hypothetical rules would put on a case that is not met."""

    case: CaseKey
    unit: UnitId
    obligation: Obligation
    status: str  # OVERDUE or DUE_SOON
    content: tuple[str, ...]


def in_force_since_trigger(rule_set: RuleSet) -> RuleSet:
    """The rule set with no start date: every trigger counts, however old."""
    applicability = replace(rule_set.applicability, in_force_from=None)
    return replace(rule_set, applicability=applicability)


def _is_met(ob: Obligation, met: frozenset[str]) -> bool:
    sat = ob.satisfied_by
    if sat.fact is not None and f"fact:{sat.fact.value}" in met:
        return True
    return sat.disclosure is not None and f"disclosure:{sat.disclosure}" in met


def assess(
    rule_set: RuleSet,
    cases: Iterable[CaseInput],
    now: dt.datetime,
    *,
    window: dt.timedelta = WINDOW,
    options: Mapping[str, str] | None = None,
    calendars: CalendarSource | None = None,
) -> list[Finding]:
    """Every unmet deadline the rule set would set that is overdue at `now` or due within `window`."""
    hypothetical = in_force_since_trigger(rule_set)
    content = {f"{rule_set.id}/{r.id}": r.content for r in rule_set.obligations}
    until = now + window
    found: list[Finding] = []
    rule_sets = (hypothetical,)
    for case in cases:
        for ob in evaluate(case.situation, rule_sets, options, calendars):
            if ob.due is None or ob.due > until or _is_met(ob, case.met):
                continue
            status = OVERDUE if ob.due < now else DUE_SOON
            found.append(Finding(case.key, case.unit, ob, status, content[ob.id]))
    return found


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts for one unit and one regulation (rule set)."""

    unit: UnitId
    regulation: str
    recipient: str
    overdue: int
    due_soon: int


def tally(findings: Iterable[Finding]) -> list[Tally]:
    """Findings counted per unit, regulation and recipient, in that order."""
    counts: dict[tuple[str, str, str], list[int]] = {}
    for f in findings:
        row = counts.setdefault((f.unit, f.obligation.regulation, f.obligation.recipient), [0, 0])
        row[0 if f.status == OVERDUE else 1] += 1
    return [Tally(UnitId(u), reg, rec, n[0], n[1]) for (u, reg, rec), n in sorted(counts.items())]

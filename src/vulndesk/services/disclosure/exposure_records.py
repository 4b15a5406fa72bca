"""The exposure report's records: the period asked for, what was told and to whom, and what
was late, with the penalties it exposes each unit to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from vulndesk.domain.decisions import Decision
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.exposure import Exposure, Inequality, Totals
from vulndesk.domain.ids import UnitId
from vulndesk.rules.model import Penalty
from vulndesk.services.clocks.whatif import InForceSummary


@dataclass(frozen=True, slots=True)
class Period:
    """Disclosures made in [start, end); either end open."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    unit: UnitId | None = None

    def holds(self, at: dt.datetime) -> bool:
        return (self.start is None or at >= self.start) and (self.end is None or at < self.end)


@dataclass(frozen=True, slots=True)
class PenaltyExposure:
    """An overdue or late obligation and the statutory ranges it exposes its unit to."""

    case: str
    unit: str
    obligation: str
    regulation: str
    status: str
    due: dt.datetime | None
    late_by: dt.timedelta | None
    penalties: tuple[Penalty, ...]


@dataclass(frozen=True, slots=True)
class PenaltyTotal:
    """Per unit and regulation: how many duties are late or overdue, and the sum of the
    statutory maxima they expose the unit to, per currency (a turnover cap noted apart)."""

    unit: str
    regulation: str
    late: int
    overdue: int
    maximum: tuple[tuple[str, int], ...]
    turnover_percent: float | None


@dataclass(frozen=True, slots=True)
class LateGroup:
    """`count` late or overdue duties of one unit, regulation and obligation, one status."""

    unit: str
    regulation: str
    status: str
    penalties: tuple[Penalty, ...]
    count: int = 1


def penalty_totals(items: Sequence[PenaltyExposure]) -> list[PenaltyTotal]:
    return grouped_penalty_totals(
        [LateGroup(x.unit, x.regulation, x.status, x.penalties) for x in items]
    )


def grouped_penalty_totals(items: Sequence[LateGroup]) -> list[PenaltyTotal]:
    """Per unit and regulation: the late and overdue counts and the summed statutory maxima."""
    groups: dict[tuple[str, str], list[LateGroup]] = {}
    for x in items:
        groups.setdefault((x.unit, x.regulation), []).append(x)
    out = []
    for (unit, regulation), group in sorted(groups.items()):
        sums: dict[str, int] = {}
        percent = None
        for x in group:
            for p in x.penalties:
                sums[p.currency] = sums.get(p.currency, 0) + p.maximum * x.count
                percent = max(percent or 0.0, p.turnover_percent or 0.0) or None
        late = sum(x.count for x in group if x.status == "met_late")
        overdue = sum(x.count for x in group) - late
        out.append(
            PenaltyTotal(unit, regulation, late, overdue, tuple(sorted(sums.items())), percent)
        )
    return out


@dataclass(frozen=True, slots=True)
class Flagged:
    """An inequality with the approved decisions that let the disclosure leave."""

    inequality: Inequality
    decisions: tuple[Decision, ...]
    approvers: tuple[str, ...] = ()  # who approved the government's disclosures


@dataclass(frozen=True, slots=True)
class Submission:
    """A government submission in the period with who approved it and whether it was late."""

    entry: int
    case: str
    unit: str
    recipient: str
    country: str
    at: dt.datetime
    recorded_at: dt.datetime
    approvers: tuple[str, ...]
    classes: tuple[str, ...]
    backdated: str | None


@dataclass(frozen=True, slots=True)
class ExposureReport:
    """Everything the exposure page and the board report show, with what it was built from."""

    period: Period
    built_at: dt.datetime
    built_by: str
    exposures: tuple[Exposure, ...]
    governments: tuple[Totals, ...]
    countries: tuple[Totals, ...]
    units: tuple[Totals, ...]
    customers: tuple[Totals, ...]
    flagged: tuple[Flagged, ...]
    submissions: tuple[Submission, ...]
    late: tuple[PenaltyExposure, ...]
    ledger_digest: str
    audit_seq: int = 0
    audit_hash: str = ""
    # The what-if of the rule sets in force: open duties overdue or due soon per unit.
    in_force: InForceSummary | None = None
    # Set when the report was built for the console page (`build(..., late_rows=N)`): `late`
    # then holds only the N longest due, and these grouped counts stand for every one of them.
    late_groups: tuple[LateGroup, ...] | None = None

    @property
    def penalty_totals(self) -> list[PenaltyTotal]:
        if self.late_groups is not None:
            return grouped_penalty_totals(self.late_groups)
        return penalty_totals(self.late)

    @property
    def late_total(self) -> int:
        """How many duties are late or overdue (all of them, when `late` lists only some)."""
        if self.late_groups is not None:
            return sum(g.count for g in self.late_groups)
        return len(self.late)

    @property
    def government_exposures(self) -> tuple[Exposure, ...]:
        return tuple(e for e in self.exposures if e.disclosure.government)


def parse_period(start: str | None, end: str | None, unit: str | None) -> Period:
    """A period from user text (ISO dates or instants), naming the field on bad input."""
    return Period(_parse("from", start), _parse("to", end), UnitId(unit) if unit else None)


def _parse(name: str, value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            name, f"{value[:40]!r} is not a date", "YYYY-MM-DD or an ISO instant"
        ) from exc
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)

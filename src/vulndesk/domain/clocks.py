"""Clocks on a case: stored obligations with status, and how facts and disclosures meet them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import Obligation, ObligationStatus, Timing


@dataclass(frozen=True, slots=True)
class CaseObligation:
    """An obligation as it stands on a case."""

    case: CaseKey
    obligation: Obligation
    status: ObligationStatus = ObligationStatus.OPEN
    met_at: dt.datetime | None = None
    met_ref: str | None = None
    waived_reason: str | None = None
    waived_by: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.obligation.id

    @property
    def due(self) -> dt.datetime | None:
        return self.obligation.due

    @property
    def late_by(self) -> dt.timedelta | None:
        """How late it was met: the met instant minus the due instant; None unless met late."""
        if self.status is not ObligationStatus.MET_LATE or self.met_at is None or not self.due:
            return None
        return self.met_at - self.due

    @property
    def late_by_seconds(self) -> int | None:
        late = self.late_by
        return None if late is None else int(late.total_seconds())

    def time_left(self, now: dt.datetime) -> dt.timedelta | None:
        if self.obligation.timing is not Timing.DEADLINE or self.due is None:
            return None
        return self.due - now


def met_status(ob: Obligation, at: dt.datetime) -> ObligationStatus:
    """Met on time when at or before the due instant (or when the law sets no number)."""
    late = ob.due is not None and at > ob.due
    return ObligationStatus.MET_LATE if late else ObligationStatus.MET


def settle(
    stored: CaseObligation | None,
    fresh: Obligation,
    *,
    met: tuple[dt.datetime, str] | None,
    now: dt.datetime,
) -> CaseObligation:
    """The status of a freshly computed obligation, keeping waivers and earlier meetings.

    `met` is the earliest (instant, reference) of a fact or disclosure that satisfies it.
    """
    case = stored.case if stored else CaseKey("")
    if stored is not None and stored.status is ObligationStatus.WAIVED:
        return replace(stored, obligation=fresh)
    if stored is not None and stored.status is ObligationStatus.NOT_APPLICABLE and stored.waived_by:
        # Marked not applicable by a person (when closing), not by the rules: it stays so.
        return replace(stored, obligation=fresh)
    if met is not None:
        return CaseObligation(case, fresh, met_status(fresh, met[0]), met[0], met[1])
    overdue = fresh.due is not None and now > fresh.due
    status = ObligationStatus.OVERDUE if overdue else ObligationStatus.OPEN
    return CaseObligation(case, fresh, status)

"""The zone a rule set counts days in: a fixed zone, the organisation's, or its EU establishment's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.obligations import Situation
from vulndesk.domain.regimes import EU_ZONES
from vulndesk.rules.calendars import WorkingDayCalendar
from vulndesk.rules.model import (
    CONTRACT_EU_ZONE,
    EU_MAIN_ESTABLISHMENT,
    EU_MAIN_OR_STRICTEST,
    ORGANISATION,
)
from vulndesk.rules.periods import Period, Unit, due_instant

STRICTEST = "strictest"


@dataclass(frozen=True, slots=True)
class DayZone:
    """The zone days are counted in for one situation; `name` STRICTEST means every EU zone.

    `reason` is recorded in the interpretation when the zone came from a zone word.
    """

    name: str
    reason: str | None = None

    @property
    def display(self) -> str:
        """The zone instants are shown in."""
        return CONTRACT_EU_ZONE if self.name == STRICTEST else self.name

    def interpretation(self) -> Mapping[str, str]:
        if self.reason is None:
            return {}
        return {"zone": self.name, "zone_reason": self.reason}


def day_zone(spec: str, situation: Situation) -> DayZone:
    """Resolve a rule set's `timezone` value (an option already applied) for a situation."""
    if spec == ORGANISATION:
        return DayZone(situation.org_timezone)
    if spec not in (EU_MAIN_ESTABLISHMENT, EU_MAIN_OR_STRICTEST):
        return DayZone(spec)
    recorded = situation.eu_main_establishment_timezone
    if recorded is not None:
        return DayZone(recorded, "main establishment in the EU (Art. 14(7))")
    if spec == EU_MAIN_ESTABLISHMENT:
        return DayZone(CONTRACT_EU_ZONE, "no main establishment recorded: the contract's zone")
    return DayZone(STRICTEST, "no main establishment recorded: the strictest EU zone")


def zone_due(
    period: Period,
    trigger_at: dt.datetime,
    zone: DayZone,
    calendar: WorkingDayCalendar | None,
) -> tuple[dt.datetime, tuple[str, ...], str]:
    """The due instant, its flags, and the zone it was counted in.

    STRICTEST counts in every EU zone and keeps the earliest end: the zone whose midnight
    comes first for this trigger (a trigger late in the evening may make a western zone win).
    """
    if zone.name != STRICTEST or period.unit is Unit.HOURS:
        # Real hours end at the same instant in every zone.
        due, flags = due_instant(period, trigger_at, zone_info(zone.display), calendar)
        return due, flags, zone.display
    best: tuple[dt.datetime, tuple[str, ...], str] | None = None
    for name in EU_ZONES:
        due, flags = due_instant(period, trigger_at, zone_info(name), calendar)
        if best is None or due < best[0]:
            best = (due, flags, name)
    assert best is not None  # noqa: S101 - EU_ZONES is not empty
    return best


@lru_cache(maxsize=256)
def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            "organisation.timezone",
            f"{name!r} is not a known time zone",
            "an IANA name such as Asia/Shanghai",
        ) from exc

"""Period arithmetic: from a trigger instant and a period spec to the instant a duty falls due.

Specs (see docs/rules.md): `Nh` exact real hours; `Nd` calendar days, start day not counted,
ending at 24:00 of the last day in the rule set's zone; `Nwd` the same counting only working
days; `Ndr` as `Nd`, but when the last day is not a working day the period ends on the next
working day (Civil Code Art. 203's roll-over); `Nmo` months, ending at 24:00 of the same day of
the month (or the month's last day).
"""

from __future__ import annotations

import calendar as _gregorian
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.obligations import Timing
from vulndesk.rules.calendars import WorkingDayCalendar

UTC = dt.UTC
MAX_AMOUNT = 999
PERIOD_SYNTAX = (
    "Nh, Nd, Ndr, Nwd or Nmo with N from 1 to 999 (e.g. 48h, 2d, 2dr, 2wd, 1mo),"
    " or immediately, promptly"
)
_SPEC = re.compile(r"^([1-9][0-9]{0,2})(h|dr|d|wd|mo)$")
_WORDS = {"immediately": Timing.IMMEDIATELY, "promptly": Timing.PROMPTLY}


class Unit(StrEnum):
    """The five ways a period is counted."""

    HOURS = "h"
    DAYS = "d"
    # Calendar days whose last day, when it is a day off, rolls over to the next working day.
    DAYS_ROLLOVER = "dr"
    WORKING_DAYS = "wd"
    MONTHS = "mo"


@dataclass(frozen=True, slots=True)
class Period:
    """A counted period such as `48h` or `2wd`."""

    amount: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"


@lru_cache(maxsize=512)
def parse_period(text: str) -> Period | Timing:
    """A period spec or one of the timing words (`immediately`, `promptly`)."""
    word = _WORDS.get(text)
    if word is not None:
        return word
    match = _SPEC.match(text)
    if match is None:
        raise InvalidInput("period", f"{text!r} is not a period", PERIOD_SYNTAX)
    return Period(int(match.group(1)), Unit(match.group(2)))


@lru_cache(maxsize=8192)
def local_midnight(zone: ZoneInfo, day: dt.date) -> dt.datetime:
    """The first instant of `day` in `zone` (24:00 of the day before), in UTC.

    Built as wall-clock 00:00 with fold=0: in a spring-forward gap at midnight that maps to the
    instant the day begins; where 00:00 occurs twice, the first one ends the previous day.
    """
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, or that month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _gregorian.monthrange(year, month)[1]))


def last_working_day(
    start: dt.date, count: int, calendar: WorkingDayCalendar
) -> tuple[dt.date, tuple[int, ...]]:
    """The `count`-th working day after `start` (not counted), and the unverified years touched."""
    day = start
    unverified: list[int] = []
    seen_year = 0
    while count > 0:
        day += dt.timedelta(days=1)
        if day.year != seen_year:
            seen_year = day.year
            if not calendar.is_verified(seen_year):
                unverified.append(seen_year)
        if calendar.is_working_day(day):
            count -= 1
    return day, tuple(unverified)


def roll_over(day: dt.date, calendar: WorkingDayCalendar) -> tuple[dt.date, tuple[int, ...]]:
    """`day`, or the first working day after it when it is a day off (Civil Code Art. 203)."""
    unverified = [] if calendar.is_verified(day.year) else [day.year]
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
        if day.year not in unverified and not calendar.is_verified(day.year):
            unverified.append(day.year)
    return day, tuple(unverified)


def due_instant(
    period: Period,
    trigger_at: dt.datetime,
    zone: ZoneInfo,
    calendar: WorkingDayCalendar | None = None,
) -> tuple[dt.datetime, tuple[str, ...]]:
    """When a duty counted by `period` from `trigger_at` falls due, with any flags.

    Days are counted on the wall clock of `zone`; the result is an instant in UTC (store UTC,
    show local: an instant inside a repeated hour would not compare equal across zones).
    Flags name calendar years a working-day count relied on without an official calendar.
    """
    if trigger_at.tzinfo is None:
        raise InvalidInput("trigger", "the instant has no UTC offset", "an aware datetime")
    unit, amount = period.unit, period.amount
    if unit is Unit.HOURS:
        # Real elapsed hours: arithmetic in UTC, never on the wall clock.
        return trigger_at.astimezone(UTC) + dt.timedelta(hours=amount), ()
    start = trigger_at.astimezone(zone).date()
    if unit is Unit.DAYS:
        return local_midnight(zone, start + dt.timedelta(days=amount + 1)), ()
    if unit is Unit.MONTHS:
        end = add_months(start, amount)
        return local_midnight(zone, end + dt.timedelta(days=1)), ()
    if calendar is None:
        raise InvalidInput(
            "calendar", f"period {period} counts working days", "a working-day calendar"
        )
    if unit is Unit.DAYS_ROLLOVER:
        end, unverified = roll_over(start + dt.timedelta(days=amount), calendar)
    else:
        end, unverified = last_working_day(start, amount, calendar)
    flags = tuple(f"calendar-unverified:{year}" for year in unverified)
    return local_midnight(zone, end + dt.timedelta(days=1)), flags

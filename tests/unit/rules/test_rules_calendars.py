"""Working-day calendars: Chinese holidays and make-up days, overrides, unverified years."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from vulndesk.domain.errors import InvalidInput
from vulndesk.rules.calendars import (
    Calendars,
    HolidaysCalendar,
    default_calendars,
    supported_country,
)
from vulndesk.rules.periods import Period, Unit, due_instant

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def cn() -> HolidaysCalendar:
    return HolidaysCalendar("CN")


@pytest.mark.parametrize(
    "day",
    # 2026 make-up working days (调休) from the State Council arrangement: all weekend days.
    [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)],
)
def test_make_up_working_days_of_2026_are_worked(cn: HolidaysCalendar, day: dt.date) -> None:
    assert day.weekday() >= 5
    assert cn.is_working_day(day)


def test_spring_festival_2026_is_off_from_15_to_23_february(cn: HolidaysCalendar) -> None:
    off = [D(2026, 2, d) for d in range(15, 24)]
    assert not any(cn.is_working_day(day) for day in off)
    assert cn.is_working_day(D(2026, 2, 13))
    assert cn.is_working_day(D(2026, 2, 24))


@pytest.mark.parametrize(
    "day",
    [D(2026, 1, 1), D(2026, 1, 2), D(2026, 5, 1), D(2026, 5, 5), D(2026, 10, 1), D(2026, 10, 7)],
)
def test_statutory_and_substituted_holidays_are_off(cn: HolidaysCalendar, day: dt.date) -> None:
    assert not cn.is_working_day(day)


def test_ordinary_weekends_and_weekdays(cn: HolidaysCalendar) -> None:
    assert not cn.is_working_day(D(2026, 3, 7))  # Saturday
    assert cn.is_working_day(D(2026, 3, 9))  # Monday


def test_years_with_a_published_arrangement_are_verified(cn: HolidaysCalendar) -> None:
    assert cn.is_verified(2026)
    assert cn.is_verified(2021)
    assert not cn.is_verified(2031)


def test_a_count_into_an_unverified_year_is_flagged(cn: HolidaysCalendar) -> None:
    trigger = dt.datetime(2031, 9, 30, 20, tzinfo=SHANGHAI)
    _, flags = due_instant(Period(2, Unit.WORKING_DAYS), trigger, SHANGHAI, cn)
    assert flags == ("calendar-unverified:2031",)


def test_a_count_that_crosses_into_an_unverified_year_names_only_that_year() -> None:
    calendar = HolidaysCalendar("CN")
    last_known = max(y for y in range(2020, 2100) if calendar.is_verified(y))
    trigger = dt.datetime(last_known, 12, 30, 10, tzinfo=SHANGHAI)
    _, flags = due_instant(Period(5, Unit.WORKING_DAYS), trigger, SHANGHAI, calendar)
    assert flags == (f"calendar-unverified:{last_known + 1}",)


def test_overrides_decide_and_cover_their_year() -> None:
    # An administrator enters the 2031 arrangement: 1-7 October off, Saturday 11 October worked.
    table = {D(2031, 10, d): False for d in range(1, 8)} | {D(2031, 10, 11): True}
    calendar = HolidaysCalendar("CN", table)
    assert calendar.is_verified(2031)
    assert calendar.is_working_day(D(2031, 10, 11))
    assert not calendar.is_working_day(D(2031, 10, 6))
    trigger = dt.datetime(2031, 9, 30, 20, tzinfo=SHANGHAI)
    result, flags = due_instant(Period(4, Unit.WORKING_DAYS), trigger, SHANGHAI, calendar)
    # Wednesday 8 to Friday 10, then Saturday 11 October: due at the start of the 12th.
    assert result == dt.datetime(2031, 10, 12, tzinfo=SHANGHAI)
    assert flags == ()


def test_other_countries_use_their_weekend_and_public_holidays() -> None:
    de = HolidaysCalendar("DE")
    assert not de.is_working_day(D(2026, 12, 25))
    assert not de.is_working_day(D(2026, 12, 26))  # Saturday and a holiday
    assert de.is_working_day(D(2026, 12, 28))
    assert de.is_verified(2031)


def test_calendars_cache_one_calendar_per_country_and_apply_overrides() -> None:
    source = Calendars({"cn": {D(2026, 10, 8): False}})
    assert source("CN") is source("CN")
    assert not source("CN").is_working_day(D(2026, 10, 8))
    assert default_calendars()("CN").is_working_day(D(2026, 10, 8))


def test_unknown_country_is_refused() -> None:
    assert not supported_country("XX")
    with pytest.raises(InvalidInput, match="no working-day calendar"):
        HolidaysCalendar("XX")

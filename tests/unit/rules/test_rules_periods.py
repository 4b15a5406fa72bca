"""Period arithmetic: exact hours, civil days, working days and months, across clock changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.obligations import Timing
from vulndesk.rules.calendars import HolidaysCalendar
from vulndesk.rules.periods import (
    Period,
    Unit,
    add_months,
    due_instant,
    local_midnight,
    parse_period,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def due(
    spec: str, trigger: str, zone: ZoneInfo, calendar: HolidaysCalendar | None = None
) -> dt.datetime:
    period = parse_period(spec)
    assert isinstance(period, Period)
    return due_instant(period, at(trigger), zone, calendar)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48h", Period(48, Unit.HOURS)),
        ("2d", Period(2, Unit.DAYS)),
        ("2wd", Period(2, Unit.WORKING_DAYS)),
        ("1mo", Period(1, Unit.MONTHS)),
        ("999d", Period(999, Unit.DAYS)),
        ("immediately", Timing.IMMEDIATELY),
        ("promptly", Timing.PROMPTLY),
    ],
)
def test_parse_period(text: str, expected: Period | Timing) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text", ["0h", "48", "h", "2 d", "1000d", "2w", "-1d", "1.5h", "Promptly", "01d"]
)
def test_parse_period_refuses(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a period"):
        parse_period(text)


def test_str_round_trips() -> None:
    assert str(Period(72, Unit.HOURS)) == "72h"
    assert str(Period(2, Unit.WORKING_DAYS)) == "2wd"


def test_hours_are_real_hours_across_the_end_of_summer_time_in_brussels() -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; 24 real hours end at 11:00 wall time.
    result = due("24h", "2026-10-24T12:00:00+02:00", BRUSSELS)
    assert result == at("2026-10-25T11:00:00+01:00")
    assert result.astimezone(BRUSSELS).utcoffset() == dt.timedelta(hours=1)


def test_hours_are_real_hours_across_the_start_of_summer_time_in_new_york() -> None:
    # 8 March 2026: 02:00 EST becomes 03:00 EDT.
    assert due("24h", "2026-03-07T12:00:00-05:00", NEW_YORK) == at("2026-03-08T13:00:00-04:00")
    assert due("72h", "2026-03-07T12:00:00-05:00", NEW_YORK) == at(
        "2026-03-10T12:00:00+00:00"
    ) + dt.timedelta(hours=5)


def test_days_end_at_local_midnight_across_the_start_of_summer_time_in_brussels() -> None:
    # 29 March 2026 has 23 hours in Brussels; the period still ends at local midnight.
    result = due("2d", "2026-03-28T22:00:00+01:00", BRUSSELS)
    assert result == at("2026-03-31T00:00:00+02:00")
    assert result.astimezone(BRUSSELS).isoformat() == "2026-03-31T00:00:00+02:00"


def test_days_end_at_local_midnight_across_the_end_of_summer_time_in_new_york() -> None:
    # 1 November 2026: 02:00 EDT becomes 01:00 EST.
    assert due("1d", "2026-10-31T08:00:00-04:00", NEW_YORK) == at("2026-11-02T00:00:00-05:00")


def test_the_start_day_is_not_counted_and_its_local_date_decides() -> None:
    # 23:30 in Shanghai is 15:30 UTC the same day; 00:30 in Shanghai is the previous day in UTC.
    assert due("2d", "2026-03-10T23:30:00+08:00", SHANGHAI) == at("2026-03-13T00:00:00+08:00")
    assert due("2d", "2026-03-10T00:30:00+08:00", SHANGHAI) == at("2026-03-13T00:00:00+08:00")
    # An instant given with another offset is read on the rule set's clock.
    assert due("2d", "2026-03-10T17:00:00+00:00", SHANGHAI) == at("2026-03-14T00:00:00+08:00")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 5, 10), 24, dt.date(2028, 5, 10)),
    ],
)
def test_add_months(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_months_end_at_24_00_of_the_same_day_of_the_month() -> None:
    assert due("1mo", "2026-10-15T09:00:00+02:00", BRUSSELS) == at("2026-11-16T00:00:00+01:00")
    assert due("1mo", "2027-01-31T20:00:00+01:00", BRUSSELS) == at("2027-03-01T00:00:00+01:00")
    assert due("1mo", "2028-01-31T20:00:00+01:00", BRUSSELS) == at("2028-03-01T00:00:00+01:00")


def test_local_midnight_in_a_gap_is_the_first_instant_of_the_day() -> None:
    # Santiago moves 00:00 to 01:00 on 6 September 2026: that day starts at 01:00 -03.
    santiago = ZoneInfo("America/Santiago")
    start = local_midnight(santiago, dt.date(2026, 9, 6))
    assert start == at("2026-09-06T04:00:00+00:00")
    assert start.astimezone(santiago).isoformat() == "2026-09-06T01:00:00-03:00"


def test_local_midnight_that_occurs_twice_is_the_first() -> None:
    # Havana moves 01:00 back to 00:00 on 1 November 2026: 31 October ends at the first 00:00.
    assert local_midnight(ZoneInfo("America/Havana"), dt.date(2026, 11, 1)) == at(
        "2026-11-01T04:00:00+00:00"
    )


def test_a_due_inside_a_repeated_hour_still_compares_as_an_instant() -> None:
    # 00:30 UTC on 25 October 2026 is 02:30 CEST, a wall time Brussels shows twice.
    result = due("24h", "2026-10-24T02:30:00+02:00", BRUSSELS)
    assert result == at("2026-10-25T02:30:00+02:00")
    assert result.astimezone(BRUSSELS).isoformat() == "2026-10-25T02:30:00+02:00"


def test_working_days_skip_the_national_day_holidays() -> None:
    cn = HolidaysCalendar("CN")
    assert due("2wd", "2026-09-30T20:00:00+08:00", SHANGHAI, cn) == at("2026-10-10T00:00:00+08:00")
    # Saturday 10 October 2026 is a make-up working day (调休).
    assert due("3wd", "2026-09-30T20:00:00+08:00", SHANGHAI, cn) == at("2026-10-11T00:00:00+08:00")


def test_working_days_count_a_make_up_sunday_before_the_holiday() -> None:
    # Sunday 20 September 2026 is worked in exchange for 6 October.
    cn = HolidaysCalendar("CN")
    assert due("1wd", "2026-09-19T10:00:00+08:00", SHANGHAI, cn) == at("2026-09-21T00:00:00+08:00")


def test_working_days_need_a_calendar() -> None:
    with pytest.raises(InvalidInput, match="calendar"):
        due_instant(Period(2, Unit.WORKING_DAYS), at("2026-09-30T20:00:00+08:00"), SHANGHAI, None)


def test_naive_trigger_is_refused() -> None:
    with pytest.raises(InvalidInput, match="offset"):
        due_instant(Period(2, Unit.DAYS), dt.datetime(2026, 1, 1, 10), SHANGHAI)  # noqa: DTZ001 - the point of the test

"""Working-day calendars: official working days per country, with an administrator's overrides.

The `holidays` package supplies public holidays, each country's weekend and, for China, the
make-up working days (调休) of every year whose State Council arrangement it carries. Years the
package cannot vouch for are "unverified" unless the override table has entries for them.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Protocol

import holidays

from vulndesk.domain.errors import InvalidInput


class WorkingDayCalendar(Protocol):
    """Which days count as working days in one jurisdiction."""

    @property
    def country(self) -> str: ...

    def is_working_day(self, day: dt.date) -> bool: ...

    def is_verified(self, year: int) -> bool:
        """Whether the working days of `year` come from an official arrangement or an override."""
        ...


CalendarSource = Callable[[str], WorkingDayCalendar]


def _china_arranged_years() -> frozenset[int]:
    """Years whose State Council holiday arrangement (with 调休 days) the package carries."""
    from holidays.countries.china import ChinaStaticHolidays

    years: Mapping[int, object] = ChinaStaticHolidays.special_public_holidays
    return frozenset(years)


@lru_cache(maxsize=64)
def package_verified_years(country: str) -> frozenset[int] | range:
    """Years for which the holidays package's calendar of `country` is authoritative.

    China announces its holidays and make-up working days year by year, so only the years
    with a published arrangement count; other countries' rules hold over the class's range.
    """
    if country == "CN":
        return _china_arranged_years()
    cls = type(_holidays_for(country))
    return range(int(cls.start_year), int(cls.end_year) + 1)


def _holidays_for(country: str) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country)
    except NotImplementedError as exc:
        raise InvalidInput(
            "calendar",
            f"no working-day calendar for {country!r}",
            "an ISO 3166-1 alpha-2 code the holidays package supports",
        ) from exc


class HolidaysCalendar:
    """A country's working days from the holidays package, overridden date by date."""

    def __init__(self, country: str, overrides: Mapping[dt.date, bool] | None = None) -> None:
        self._country = country.upper()
        self._package = _holidays_for(self._country)
        self._overrides = dict(overrides or {})
        self._override_years = frozenset(day.year for day in self._overrides)
        self._verified = package_verified_years(self._country)
        self._off_days: dict[int, frozenset[dt.date]] = {}
        self._lock = threading.Lock()

    @property
    def country(self) -> str:
        return self._country

    def is_working_day(self, day: dt.date) -> bool:
        override = self._overrides.get(day)
        if override is not None:
            return override
        off = self._off_days.get(day.year)
        if off is None:
            off = self._load_year(day.year)
        return day not in off

    def is_verified(self, year: int) -> bool:
        return year in self._verified or year in self._override_years

    def _load_year(self, year: int) -> frozenset[dt.date]:
        with self._lock:
            off = self._off_days.get(year)
            if off is not None:
                return off
            # A make-up working day late in December may be announced with next year's
            # arrangement, so next year is loaded before asking about this one.
            _ = dt.date(year + 1, 1, 1) in self._package
            first = dt.date(year, 1, 1)
            days = (dt.date(year + 1, 1, 1) - first).days
            off = frozenset(
                day
                for day in (first + dt.timedelta(days=n) for n in range(days))
                if not self._package.is_working_day(day)
            )
            self._off_days[year] = off
            return off


class Calendars:
    """The calendar source the engine asks for each country: one cached calendar per country."""

    def __init__(self, overrides: Mapping[str, Mapping[dt.date, bool]] | None = None) -> None:
        self._overrides = {k.upper(): dict(v) for k, v in (overrides or {}).items()}
        self._cache: dict[str, HolidaysCalendar] = {}
        self._lock = threading.Lock()

    def __call__(self, country: str) -> WorkingDayCalendar:
        found = self._cache.get(country)
        if found is None:
            with self._lock:
                found = self._cache.get(country)
                if found is None:
                    found = HolidaysCalendar(country, self._overrides.get(country.upper()))
                    self._cache[country] = found
        return found


@lru_cache(maxsize=1)
def default_calendars() -> Calendars:
    """The package calendars without overrides, shared by every caller."""
    return Calendars()


@lru_cache(maxsize=1)
def _supported() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def supported_country(code: str) -> bool:
    """Whether the holidays package has a calendar for this ISO 3166-1 alpha-2 code."""
    return code.upper() in _supported()

"""Properties of the clocks that must hold for every instant, zone and period."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vulndesk.domain.cases import Role
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Situation
from vulndesk.domain.products import ProductKind
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules.calendars import default_calendars
from vulndesk.rules.engine import evaluate
from vulndesk.rules.loader import builtin_rule_sets
from vulndesk.rules.periods import Period, Unit, due_instant, last_working_day

# Hundreds of generated examples each: `make test` runs them, `make check` leaves them out.
pytestmark = pytest.mark.slow

ZONES = [
    "UTC",
    "Asia/Shanghai",
    "Europe/Brussels",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
zones = st.sampled_from(ZONES).map(ZoneInfo)
instants = st.datetimes(
    min_value=dt.datetime(2021, 9, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
    max_value=dt.datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=zones,
    allow_imaginary=False,
)
units = st.sampled_from(list(Unit))
periods = st.builds(Period, st.integers(min_value=1, max_value=400), units)
calendar_countries = st.sampled_from(["CN", "DE", "US", "JP"])
SETTINGS = settings(max_examples=300, deadline=None)


def due(period: Period, trigger: dt.datetime, zone: ZoneInfo, country: str = "CN") -> dt.datetime:
    return due_instant(period, trigger, zone, default_calendars()(country))[0]


@SETTINGS
@given(period=periods, trigger=instants, zone=zones, country=calendar_countries)
def test_a_due_instant_is_never_before_its_trigger(
    period: Period, trigger: dt.datetime, zone: ZoneInfo, country: str
) -> None:
    assert due(period, trigger, zone, country) > trigger


@SETTINGS
@given(hours=st.integers(min_value=1, max_value=999), trigger=instants, zone=zones)
def test_hour_periods_are_exactly_that_many_real_hours(
    hours: int, trigger: dt.datetime, zone: ZoneInfo
) -> None:
    result = due(Period(hours, Unit.HOURS), trigger, zone)
    assert result.timestamp() - trigger.timestamp() == hours * 3600


@SETTINGS
@given(
    amount=st.integers(min_value=1, max_value=120),
    unit=units,
    first=instants,
    gap=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=60)),
    zone=zones,
)
def test_a_later_trigger_never_gives_an_earlier_due(
    amount: int, unit: Unit, first: dt.datetime, gap: dt.timedelta, zone: ZoneInfo
) -> None:
    second = (first.astimezone(dt.UTC) + gap).astimezone(first.tzinfo)
    period = Period(amount, unit)
    assert due(period, first, zone) <= due(period, second, zone)


@SETTINGS
@given(
    start=st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2035, 12, 31)),
    count=st.integers(min_value=1, max_value=60),
    country=calendar_countries,
)
def test_a_working_day_period_ends_on_a_working_day(
    start: dt.date, count: int, country: str
) -> None:
    calendar = default_calendars()(country)
    end, _ = last_working_day(start, count, calendar)
    assert calendar.is_working_day(end)
    span = [start + dt.timedelta(days=n) for n in range(1, (end - start).days + 1)]
    assert sum(calendar.is_working_day(day) for day in span) == count


@SETTINGS
@given(
    period=st.builds(
        Period, st.integers(1, 400), st.sampled_from([Unit.DAYS, Unit.WORKING_DAYS, Unit.MONTHS])
    ),
    trigger=instants,
    zone=zones,
)
def test_day_counted_periods_end_at_local_midnight(
    period: Period, trigger: dt.datetime, zone: ZoneInfo
) -> None:
    local = due(period, trigger, zone).astimezone(zone)
    before = (local.astimezone(dt.UTC) - dt.timedelta(minutes=1)).astimezone(zone)
    # The first instant of a local day: a minute earlier is still the previous date.
    assert before.date() < local.date()
    assert local.minute == 0


events = st.dictionaries(st.sampled_from(list(FactKind)), instants, max_size=len(FactKind))
situations = st.builds(
    Situation,
    org_country=st.sampled_from(["CN", "DE", "US", "FR"]),
    roles=st.frozensets(st.sampled_from(list(Role))),
    events=events,
    org_timezone=st.sampled_from(ZONES),
    product_kind=st.sampled_from(list(ProductKind)),
    markets=st.frozensets(st.sampled_from(["CN", "DE", "US", "FR", "JP"])),
    users_must_act=st.booleans(),
    upstream_component=st.booleans(),
    severity=st.none() | st.sampled_from(list(SeverityLevel)),
)
options = st.fixed_dictionaries(
    {
        "cn-rmsv-2021.report_window": st.sampled_from(["48h", "2d", "2dr", "2wd"]),
        "cn-rmsv-2021.report_clock_start": st.sampled_from(["aware", "verified"]),
    }
)


@SETTINGS
@given(situation=situations, chosen=options)
def test_every_obligation_is_produced_from_a_present_trigger_and_due_after_it(
    situation: Situation, chosen: dict[str, str]
) -> None:
    found = evaluate(situation, builtin_rule_sets().values(), chosen)
    assert [o.id for o in found] == sorted(o.id for o in found)
    if situation.roles <= {Role.THIRD_PARTY}:
        assert found == []
    for obligation in found:
        assert situation.events[obligation.trigger] == obligation.trigger_at
        assert (obligation.due is None) == (obligation.period is None)
        if obligation.due is not None:
            assert obligation.due > obligation.trigger_at

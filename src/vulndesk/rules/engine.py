"""The rules engine: a situation plus rule sets and options in, obligations with due instants out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from vulndesk.domain.cases import Role
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Obligation, Situation, Timing
from vulndesk.rules.calendars import CalendarSource, default_calendars
from vulndesk.rules.model import (
    ORGANISATION,
    UNRECORDED,
    ChoiceAttribute,
    Conditions,
    ObligationRule,
    RuleSet,
    Status,
    option_ref,
)
from vulndesk.rules.periods import Period, Unit, parse_period
from vulndesk.rules.zones import DayZone, day_zone, zone_due, zone_info

# Periods that need the rule set's working-day calendar.
CALENDAR_UNITS = frozenset({Unit.WORKING_DAYS, Unit.DAYS_ROLLOVER})


@dataclass(frozen=True, slots=True)
class _Clock:
    """A resolved period or timing word, with what evaluation needs precomputed."""

    timing: Timing
    period: Period | None = None
    text: str | None = None
    working_days: bool = False


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One obligation with its options applied: ready to evaluate many times."""

    id: str
    rule: ObligationRule
    trigger: FactKind
    clock: _Clock | None
    choice: ChoiceAttribute | None
    choices: Mapping[str, _Clock]
    interpretation: Mapping[str, str]
    roles: frozenset[Role]
    when: Conditions | None
    requires: tuple[FactKind, ...]
    recipient: str


def evaluate(
    situation: Situation,
    rule_sets: Iterable[RuleSet],
    options: Mapping[str, str] | None = None,
    calendars: CalendarSource | None = None,
) -> list[Obligation]:
    """Every obligation the rule sets place on the situation, sorted by id.

    `options` maps `<rule-set>.<option>` to a value; options of rule sets not evaluated here
    are ignored, unknown options or values of evaluated ones raise InvalidInput.
    """
    chosen = _options_by_rule_set(options or {})
    source = calendars or default_calendars()
    found: list[Obligation] = []
    for rule_set in rule_sets:
        if rule_set.applicability.applies(situation):
            pairs = chosen.get(rule_set.id, ())
            compiled = _compile(rule_set, pairs)
            zone = day_zone(_zone_spec(rule_set, pairs), situation)
            found.extend(_evaluate_rule_set(situation, rule_set, compiled, source, zone))
    found.sort(key=lambda o: o.id)
    return found


def check_options(options: Mapping[str, str], catalogue: Mapping[str, RuleSet]) -> None:
    """Refuse options that name an unknown rule set, an unknown option or a value not allowed."""
    for rule_set_id, pairs in _options_by_rule_set(options).items():
        rule_set = catalogue.get(rule_set_id)
        if rule_set is None:
            key = f"{rule_set_id}.{pairs[0][0]}"
            raise InvalidInput(
                key,
                f"names rule set {rule_set_id!r}, which is not loaded",
                ", ".join(sorted(catalogue)),
            )
        _compile(rule_set, pairs)


def _options_by_rule_set(options: Mapping[str, str]) -> dict[str, tuple[tuple[str, str], ...]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for key, value in options.items():
        rule_set_id, dot, name = key.partition(".")
        if not dot or not rule_set_id or not name:
            raise InvalidInput(
                key, "is not an option name", "<rule-set>.<option>, e.g. cn-rmsv-2021.report_window"
            )
        if not isinstance(value, str):
            raise InvalidInput(key, f"{value!r} is not a string", "a string value")
        grouped.setdefault(rule_set_id, []).append((name, value))
    return {k: tuple(sorted(v)) for k, v in grouped.items()}


def _zone_spec(rule_set: RuleSet, chosen: tuple[tuple[str, str], ...]) -> str:
    """The rule set's `timezone`, with an `{option}` replaced by its chosen value."""
    name = option_ref(rule_set.timezone)
    if name is None:
        return rule_set.timezone
    return dict(chosen).get(name, rule_set.options[name].default)


@lru_cache(maxsize=1024)
def _compile(rule_set: RuleSet, chosen: tuple[tuple[str, str], ...]) -> tuple[_Compiled, ...]:
    values = rule_set.option_defaults()
    for name, value in chosen:
        spec = rule_set.options.get(name)
        if spec is None:
            raise InvalidInput(
                f"{rule_set.id}.{name}",
                "is not an option of this rule set",
                ", ".join(f"{rule_set.id}.{n}" for n in rule_set.options) or "none",
            )
        if value not in spec.allowed:
            raise InvalidInput(
                f"{rule_set.id}.{name}", f"{value!r} is not allowed", ", ".join(spec.allowed)
            )
        values[name] = value
    zone_option = option_ref(rule_set.timezone)
    return tuple(
        _compile_rule(rule_set.id, rule, values, zone_option) for rule in rule_set.obligations
    )


def _compile_rule(
    rule_set_id: str, rule: ObligationRule, values: Mapping[str, str], zone_option: str | None
) -> _Compiled:
    def clock(text: str) -> _Clock:
        name = option_ref(text)
        spec = parse_period(text if name is None else values[name])
        if isinstance(spec, Timing):
            return _Clock(spec)
        return _Clock(Timing.DEADLINE, spec, str(spec), spec.unit in CALENDAR_UNITS)

    trigger = option_ref(rule.trigger)
    choice = rule.period_by
    # The zone option matters to obligations with a counted period only.
    counted_in = zone_option if rule.period is not None or choice is not None else None
    return _Compiled(
        id=f"{rule_set_id}/{rule.id}",
        rule=rule,
        trigger=FactKind(rule.trigger if trigger is None else values[trigger]),
        clock=None if rule.period is None else clock(rule.period),
        choice=None if choice is None else choice.attribute,
        choices=MappingProxyType(
            {} if choice is None else {k: clock(v) for k, v in choice.choices.items()}
        ),
        # In the rule set's declaration order, as people read the file.
        interpretation=MappingProxyType(
            {k: v for k, v in values.items() if k in rule.option_names or k == counted_in}
        ),
        roles=rule.roles,
        when=None if rule.when == Conditions() else rule.when,
        requires=rule.when.requires,
        recipient=rule.recipient.value,
    )


def _evaluate_rule_set(
    situation: Situation,
    rule_set: RuleSet,
    compiled: tuple[_Compiled, ...],
    calendars: CalendarSource,
    day: DayZone,
) -> Iterable[Obligation]:
    zone_name = day.display
    in_force = _in_force(rule_set, zone_info(zone_name))
    told = day.interpretation()
    base_flags = _DRAFT if rule_set.status is Status.DRAFT else ()
    events = situation.events
    roles = situation.roles
    for item in compiled:
        if item.roles.isdisjoint(roles) or (
            item.when is not None and not item.when.hold(situation)
        ):
            continue
        trigger_at = events.get(item.trigger)
        if trigger_at is None:
            continue
        requires = item.requires
        if in_force is not None and (
            trigger_at < in_force or any(events[k] < in_force for k in requires)
        ):
            continue
        clock = item.clock if item.choice is None else _choose(item, situation)
        if clock is None:
            continue
        flags: tuple[str, ...] = base_flags
        due = None
        shown = zone_name
        if clock.period is not None:
            calendar = None
            if clock.working_days:
                country = rule_set.calendar
                calendar = calendars(situation.org_country if country == ORGANISATION else country)
            due, more, shown = zone_due(clock.period, trigger_at, day, calendar)
            flags += more
        if requires:
            flags += tuple(f"clock-before:{k.value}" for k in requires if events[k] > trigger_at)
        found = _obligation(item, rule_set.id, trigger_at, clock, due, shown, flags)
        if told and clock.period is not None and clock.period.unit is not Unit.HOURS:
            # Which zone the days were counted in, and why: part of the reading used.
            more_told = {**found.interpretation, **told, "zone": shown}
            found = replace(found, interpretation=MappingProxyType(more_told))
        yield found


_DRAFT = ("draft",)


def _choose(item: _Compiled, situation: Situation) -> _Clock | None:
    # StrEnum members hash and compare as their values, so they look up string keys directly.
    if item.choice is ChoiceAttribute.PRODUCT_KIND:
        return item.choices.get(situation.product_kind)
    if item.choice is ChoiceAttribute.CN_OPERATOR_CLASS:
        operator = situation.cn_operator_class
        return item.choices.get(UNRECORDED if operator is None else operator)
    severity = situation.severity
    return None if severity is None else item.choices.get(severity)


def _obligation(
    item: _Compiled,
    regulation: str,
    trigger_at: dt.datetime,
    clock: _Clock,
    due: dt.datetime | None,
    zone_name: str,
    flags: tuple[str, ...],
) -> Obligation:
    rule = item.rule
    # A fix published before exploitation was known still starts the clock, as the law reads;
    # the clock-before flag tells people that it ran early.
    return Obligation(
        id=item.id,
        regulation=regulation,
        article=rule.article,
        action=rule.action,
        recipient=item.recipient,
        trigger=item.trigger,
        trigger_at=trigger_at,
        timing=clock.timing,
        due=due,
        period=clock.text,
        timezone=zone_name,
        satisfied_by=rule.satisfied_by,
        interpretation=item.interpretation,
        flags=flags,
        action_zh=rule.action_zh,
    )


@lru_cache(maxsize=1024)
def _in_force(rule_set: RuleSet, zone: ZoneInfo) -> dt.datetime | None:
    start = rule_set.applicability.in_force_from
    if start is None:
        return None
    if not isinstance(start, dt.datetime):
        return dt.datetime(start.year, start.month, start.day, tzinfo=zone)
    return start if start.tzinfo is not None else start.replace(tzinfo=zone)

"""Parse the `[[obligations]]` of a rule file: roles, trigger, period, conditions, satisfier."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from vulndesk.domain.disclosure import DETAIL_FIELDS
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Satisfier
from vulndesk.domain.products import ProductKind
from vulndesk.domain.regimes import CnOperatorClass, IncidentGrade
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules.fields import SLUG, Collector, enum_value, parse_roles, slug
from vulndesk.rules.model import (
    UNGRADED,
    UNRECORDED,
    Applicability,
    ChoiceAttribute,
    Conditions,
    ObligationRule,
    OptionSpec,
    PeriodChoice,
    Recipient,
    option_ref,
)
from vulndesk.rules.periods import PERIOD_SYNTAX, parse_period
from vulndesk.rules.reader import Node

OBLIGATION_KEYS = (
    "id",
    "article",
    "action",
    "action_zh",
    "recipient",
    "roles",
    "trigger",
    "period",
    "period_by",
    "when",
    "satisfied_by",
    "content",
)
WHEN_KEYS = (
    "product_kind",
    "users_must_act",
    "upstream_component",
    "severity",
    "requires",
    "incident_grade",
)
_GRADES = (*(g.value for g in IncidentGrade), UNGRADED)
_CHOICE_KEYS: dict[ChoiceAttribute, tuple[str, ...]] = {
    ChoiceAttribute.PRODUCT_KIND: tuple(k.value for k in ProductKind),
    ChoiceAttribute.SEVERITY: tuple(k.value for k in SeverityLevel),
    ChoiceAttribute.CN_OPERATOR_CLASS: (*(k.value for k in CnOperatorClass), UNRECORDED),
}
FACTS = ", ".join(k.value for k in FactKind)
_FACT_VALUES = frozenset(k.value for k in FactKind)


def parse_obligations(
    root: Node,
    options: Mapping[str, OptionSpec],
    applicability: Applicability | None,
    problems: list[str] | None,
) -> tuple[ObligationRule, ...]:
    collect = Collector(problems)
    items = root.data.get("obligations")
    if not isinstance(items, list) or not items:
        collect(
            lambda: root.fail(
                "obligations", "must be a non-empty array of tables", "[[obligations]] entries"
            ),
            None,
        )
        return ()
    listing = root.child("obligations", {})
    rules: list[ObligationRule] = []
    seen: set[str] = set()
    for index, item in enumerate(items):

        def parse(i: int = index, value: object = item) -> ObligationRule | None:
            rule = _obligation(listing.child(i, value), options, applicability)
            if rule.id in seen:
                listing.fail(
                    i,
                    f"id {rule.id!r} repeats an earlier obligation",
                    "ids unique within a rule set",
                )
            return rule

        rule = collect(parse, None)
        if rule is not None:
            seen.add(rule.id)
            rules.append(rule)
    return tuple(rules)


def _obligation(
    node: Node, options: Mapping[str, OptionSpec], applicability: Applicability | None
) -> ObligationRule:
    node.only(OBLIGATION_KEYS)
    roles = parse_roles(node)
    if applicability is not None and not roles <= applicability.roles:
        extra = ", ".join(sorted(r.value for r in roles - applicability.roles))
        node.fail(
            "roles",
            f"{extra} is not among the rule set's applicability roles",
            ", ".join(sorted(r.value for r in applicability.roles)),
        )
    if node.has("period") == node.has("period_by"):
        node.fail(
            "period",
            "give exactly one of period and period_by",
            f"period = {PERIOD_SYNTAX} or {{option}}; or a period_by table",
        )
    period = _period(node, "period", options) if node.has("period") else None
    return ObligationRule(
        id=slug(node, "id"),
        article=node.text("article", max_len=80),
        action=node.text("action", max_len=1000),
        action_zh=node.text("action_zh", "", max_len=1000),
        recipient=enum_value(node, "recipient", Recipient),
        roles=roles,
        trigger=_trigger(node, options),
        period=period,
        satisfied_by=_satisfier(node),
        period_by=_period_by(node, options),
        when=_conditions(node),
        content=_content(node),
    )


def _content(node: Node) -> tuple[str, ...]:
    """The case detail fields the report must carry, in the file's order."""
    if not node.has("content"):
        return ()
    found = tuple(dict.fromkeys(node.texts("content")))
    for name in found:
        if name not in DETAIL_FIELDS:
            node.fail("content", f"{name!r} is not a case detail field", ", ".join(DETAIL_FIELDS))
    return found


def _trigger(node: Node, options: Mapping[str, OptionSpec]) -> str:
    value = node.text("trigger")
    name = option_ref(value)
    values = [value] if name is None else list(_option(node, "trigger", name, options).allowed)
    for fact in values:
        if fact not in _FACT_VALUES:
            where = "" if name is None else f" (allowed value of option {name!r})"
            node.fail("trigger", f"{fact!r}{where} is not a fact", f"{FACTS}, or {{option}}")
    return value


def _period(
    node: Node, key: str, options: Mapping[str, OptionSpec], label: str | None = None
) -> str:
    value = node.text(key, max_len=63)
    name = option_ref(value)
    values = [value] if name is None else list(_option(node, key, name, options).allowed)
    for text in values:
        try:
            parse_period(text)
        except InvalidInput:
            where = "" if name is None else f" (allowed value of option {name!r})"
            node.fail(
                label or key, f"{text!r}{where} is not a period", f"{PERIOD_SYNTAX}, or {{option}}"
            )
    return value


def _option(node: Node, key: str, name: str, options: Mapping[str, OptionSpec]) -> OptionSpec:
    spec = options.get(name)
    if spec is None:
        node.fail(
            key,
            f"refers to option {name!r}, which the rule set does not declare",
            ", ".join(options) or "declare it under [options]",
        )
    return spec


def _period_by(node: Node, options: Mapping[str, OptionSpec]) -> PeriodChoice | None:
    table = node.table("period_by")
    if table is None:
        return None
    if len(table.data) != 1:
        table.fail(
            "", "must name exactly one attribute", ", ".join(a.value for a in ChoiceAttribute)
        )
    attribute_name = next(iter(table.data))
    try:
        attribute = ChoiceAttribute(attribute_name)
    except ValueError:
        table.fail(
            attribute_name,
            "is not an attribute a period can be chosen by",
            ", ".join(a.value for a in ChoiceAttribute),
        )
    choices = table.table(attribute_name, required=True)
    assert choices is not None  # noqa: S101 - required=True raised otherwise
    choices.only(_CHOICE_KEYS[attribute])
    for key in choices.data:
        _period(choices, key, options)
    return PeriodChoice(attribute, {key: str(value).strip() for key, value in choices.data.items()})


def _conditions(node: Node) -> Conditions:
    when = node.table("when")
    if when is None:
        return Conditions()
    when.only(WHEN_KEYS)
    kinds = _members(when, "product_kind", ProductKind)
    severities = _members(when, "severity", SeverityLevel)
    requires = _members(when, "requires", FactKind)
    grades = None
    if when.has("incident_grade"):
        grades = frozenset(when.texts("incident_grade"))
        for value in grades - set(_GRADES):
            when.fail("incident_grade", f"{value!r} is not allowed", ", ".join(_GRADES))
    return Conditions(
        product_kinds=kinds,
        users_must_act=when.flag("users_must_act"),
        upstream_component=when.flag("upstream_component"),
        severities=severities,
        requires=tuple(sorted(requires or ())),
        incident_grades=grades,
    )


E = TypeVar("E", ProductKind, SeverityLevel, FactKind)


def _members(node: Node, key: str, kind: type[E]) -> frozenset[E] | None:
    if not node.has(key):
        return None
    members: set[E] = set()
    for value in node.texts(key):
        try:
            members.add(kind(value))
        except ValueError:
            node.fail(key, f"{value!r} is not allowed", ", ".join(m.value for m in kind))
    return frozenset(members)


def _satisfier(node: Node) -> Satisfier:
    value = node.text("satisfied_by", max_len=63)
    if value in _FACT_VALUES:
        return Satisfier(fact=FactKind(value))
    if not SLUG.match(value):
        node.fail(
            "satisfied_by",
            f"{value!r} is neither a fact nor a disclosure kind",
            f"a fact ({FACTS}) or a ledger disclosure kind such as nvdb-report",
        )
    return Satisfier(disclosure=value)

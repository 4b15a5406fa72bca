"""Why a rule set applies or not: its scope, its triggering facts, and a verdict per unit, as messages to translate."""

from __future__ import annotations

from dataclasses import dataclass, field

from vulndesk.domain.units import OrgUnit
from vulndesk.domain.values import EU_MEMBER_STATES
from vulndesk.rules.model import RuleSet, option_ref


@dataclass(frozen=True, slots=True)
class Message:
    """An English message with `%(name)s` placeholders (the console translates it) and values."""

    text: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnitVerdict:
    """Whether a rule set can bind a unit's cases: `applies` yes, `maybe` (market), or no."""

    unit: str
    verdict: str
    reason: Message


def places(codes: frozenset[str]) -> str:
    """Country codes, with the 27 member states shown as EU."""
    if codes >= EU_MEMBER_STATES:
        return ", ".join(["EU", *sorted(codes - EU_MEMBER_STATES)])
    return ", ".join(sorted(codes))


def scope(rule_set: RuleSet) -> list[Message]:
    """Which units and cases the rule set is for, in force from when."""
    a = rule_set.applicability
    out = [
        Message(
            "Binds cases where the unit acts as: %(roles)s.",
            {"roles": ", ".join(sorted(r.value for r in a.roles))},
        )
    ]
    if a.anywhere:
        out.append(Message("Wherever the unit and its products are."))
    else:
        if a.countries:
            out.append(Message("Units in: %(places)s.", {"places": places(a.countries)}))
        if a.markets:
            out.append(
                Message(
                    "Or cases whose products are sold in: %(places)s.",
                    {"places": places(a.markets)},
                )
            )
    if a.nis2_entities is not None:
        kinds = " / ".join(sorted(k.value for k in a.nis2_entities))
        out.append(Message("Only units recorded as NIS2 %(kinds)s entities.", {"kinds": kinds}))
    if a.financial_entity:
        out.append(Message("Only units recorded as financial entities (DORA)."))
    if a.in_force_from is not None:
        out.append(Message("Duties arise from %(date)s.", {"date": str(a.in_force_from)}))
    return out


def trigger_facts(rule_set: RuleSet) -> list[str]:
    """Every fact that can start one of the rule set's clocks, or must be recorded for one."""
    found: dict[str, None] = {}
    for rule in rule_set.obligations:
        name = option_ref(rule.trigger)
        for fact in rule_set.options[name].allowed if name else (rule.trigger,):
            found[fact] = None
        for fact in rule.when.requires:
            found[fact.value] = None
    return list(found)


def for_unit(rule_set: RuleSet, unit: OrgUnit) -> UnitVerdict:
    """Whether the rule set can bind the unit's cases, and why or why not."""
    a = rule_set.applicability
    if a.nis2_entities is not None and unit.nis2_entity not in a.nis2_entities:
        return UnitVerdict(
            unit.id,
            "no",
            Message("No: the unit is not recorded as a NIS2 essential or important entity."),
        )
    if a.financial_entity and not unit.financial_entity:
        return UnitVerdict(
            unit.id, "no", Message("No: the unit is not recorded as a financial entity.")
        )
    if a.anywhere and a.nis2_entities is not None and unit.nis2_entity is not None:
        kind = unit.nis2_entity.value
        text = "Yes: the unit is recorded as a NIS2 %(kind)s entity."
        return UnitVerdict(unit.id, "applies", Message(text, {"kind": kind}))
    if a.anywhere and a.financial_entity:
        text = "Yes: the unit is recorded as a financial entity."
        return UnitVerdict(unit.id, "applies", Message(text))
    if a.anywhere:
        return UnitVerdict(unit.id, "applies", Message("Yes: the rule set binds everywhere."))
    if unit.country in a.countries:
        return UnitVerdict(
            unit.id,
            "applies",
            Message("Yes: the unit is in %(country)s.", {"country": unit.country}),
        )
    if a.markets:
        return UnitVerdict(
            unit.id,
            "maybe",
            Message(
                "Only for cases whose products are sold in %(places)s (the unit is in %(country)s).",
                {"places": places(a.markets), "country": unit.country},
            ),
        )
    return UnitVerdict(
        unit.id,
        "no",
        Message(
            "No: the unit is in %(country)s, outside the rule set's scope.",
            {"country": unit.country},
        ),
    )


@dataclass(frozen=True, slots=True)
class Explained:
    """A rule set's applicability for the console: scope, triggering facts, verdict per unit."""

    scope: list[Message]
    facts: list[str]
    units: list[UnitVerdict]


def explained(rule_set: RuleSet, units: list[OrgUnit]) -> Explained:
    return Explained(
        scope(rule_set), trigger_facts(rule_set), [for_unit(rule_set, u) for u in units]
    )

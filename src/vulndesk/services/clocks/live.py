"""Live clocks: recompute a case's obligations from its facts, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from vulndesk.domain.cases import Case
from vulndesk.domain.clocks import CaseObligation, settle
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.domain.products import Product, ProductKind
from vulndesk.domain.units import OrgUnit
from vulndesk.services.context import Deps
from vulndesk.services.ports import UnitOfWork

IN_FORCE = "rules.in_force"
# Rule sets that never became law: kept for comparisons in scenario files, off for live cases.
NEVER_IN_FORCE = frozenset({"cn-draft-2019"})

# When a case spans products of several kinds the shortest clock wins: a service or system
# flaw is held to the service clock (see docs/decisions/0002-case-situation.md).
_KIND_STRICTNESS = {ProductKind.SERVICE: 0, ProductKind.SYSTEM: 1, ProductKind.PRODUCT: 2}


def situation_of(case: Case, unit: OrgUnit, products: Sequence[Product]) -> Situation:
    """The rules engine's view of a case."""
    kinds = sorted({p.kind for p in products}, key=_KIND_STRICTNESS.__getitem__)
    markets = frozenset(m for p in products for m in p.markets)
    return Situation(
        org_country=unit.country,
        roles=case.roles,
        events={k: v for k, v in case.instants.items() if k is not FactKind.PUBLISHED},
        org_timezone=unit.timezone,
        product_kind=kinds[0] if kinds else ProductKind.PRODUCT,
        markets=markets,
        users_must_act=any(p.users_must_act for p in products),
        upstream_component=case.upstream_component,
        severity=case.severity.level,
        eu_main_establishment_timezone=unit.eu_main_establishment_timezone,
        nis2_entity=unit.nis2_entity,
        financial_entity=unit.financial_entity,
        cn_operator_class=unit.cn_operator_class,
        incident_grade=case.incident_grade,
    )


def _met(
    ob: Obligation, case: Case, disclosures: Mapping[str, tuple[dt.datetime, str]]
) -> tuple[dt.datetime, str] | None:
    sat = ob.satisfied_by
    if sat.fact is not None:
        record = case.current.get(sat.fact)
        if record is not None and record.at is not None:
            return record.at, f"fact:{sat.fact.value}#{record.revision}"
    if sat.disclosure is not None and sat.disclosure in disclosures:
        return disclosures[sat.disclosure]
    return None


def disclosures_for(uow: UnitOfWork, case: Case) -> dict[str, tuple[dt.datetime, str]]:
    """Earliest ledger disclosure of each kind on the case: (instant, reference)."""
    return uow.ledger.earliest_by_kind(case.key)


def org_options(uow: UnitOfWork) -> dict[str, str]:
    """Rule-set options chosen by the organisation (stored settings)."""
    return uow.org_settings.options()


def in_force(rule_set: str, org: Mapping[str, str]) -> bool:
    """Whether live cases are held to `rule_set`: the `rules.in_force` list, or the default."""
    chosen = org.get(IN_FORCE)
    if chosen is None:
        return rule_set not in NEVER_IN_FORCE
    return rule_set in {s.strip() for s in chosen.split(",")}


def recompute(
    deps: Deps,
    uow: UnitOfWork,
    case: Case,
    now: dt.datetime,
    disclosures: Mapping[str, tuple[dt.datetime, str]] | None = None,
    *,
    known: tuple[OrgUnit, Sequence[Product]] | None = None,
    new_case: bool = False,
) -> list[CaseObligation]:
    """Evaluate the rules for `case` and store the result; waivers and met links are kept.

    `known` is the case's unit and products when the caller has just read them in this
    transaction; `new_case` says the case was created in it, so it has no stored obligations
    and no ledger entries to read.
    """
    if deps.evaluate is None:
        return []
    if known is None:
        unit, products = (
            uow.units.get(case.unit),
            [uow.products.get(p.product) for p in case.products],
        )
    else:
        unit, products = known[0], list(known[1])
    if new_case:
        settled = evaluate_new(deps, uow, case, unit, products, now, disclosures)
    else:
        stored = {o.id: o for o in uow.obligations.for_case(case.key)}
        found = {**disclosures_for(uow, case), **(disclosures or {})}
        fresh = _in_force_obligations(deps, uow, case, unit, products)
        settled = _settle_all(fresh, stored, case, found, now)
    uow.obligations.replace_for_case(case.key, case.unit, settled, now)
    return settled


def evaluate_new(
    deps: Deps,
    uow: UnitOfWork,
    case: Case,
    unit: OrgUnit,
    products: Sequence[Product],
    now: dt.datetime,
    disclosures: Mapping[str, tuple[dt.datetime, str]] | None = None,
) -> list[CaseObligation]:
    """The obligations of a case not stored yet: nothing stored to keep, no ledger to read.

    Reads only (organisation options and calendar overrides), so it can run before the
    writing transaction begins (see `services.cases.opening.plan_open`).
    """
    if deps.evaluate is None:
        return []
    fresh = _in_force_obligations(deps, uow, case, unit, products)
    return _settle_all(fresh, {}, case, dict(disclosures or {}), now)


def _in_force_obligations(
    deps: Deps, uow: UnitOfWork, case: Case, unit: OrgUnit, products: Sequence[Product]
) -> list[Obligation]:
    """What the rule sets in force require of `case`, with the organisation's options."""
    if deps.evaluate is None:
        return []
    org = org_options(uow)
    options = {k: v for k, v in {**org, **case.options}.items() if k != IN_FORCE}
    evaluated = deps.evaluate(situation_of(case, unit, products), options, uow.calendar.overrides())
    return [ob for ob in evaluated if in_force(ob.id.partition("/")[0], org)]


def _settle_all(
    fresh: Sequence[Obligation],
    stored: Mapping[str, CaseObligation],
    case: Case,
    found: Mapping[str, tuple[dt.datetime, str]],
    now: dt.datetime,
) -> list[CaseObligation]:
    """Each obligation settled against what was stored for it (waivers, met links) and met."""
    settled = []
    for ob in fresh:
        item = settle(stored.get(ob.id), ob, met=_met(ob, case, found), now=now)
        settled.append(
            CaseObligation(
                case.key,
                item.obligation,
                item.status,
                item.met_at,
                item.met_ref,
                item.waived_reason,
                item.waived_by,
            )
        )
    return settled

"""Record what the newer rule sets bind on: a unit's EU establishment, NIS2, DORA and CAC class, a case's incident grade."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

from vulndesk.domain import regimes
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import UnitId
from vulndesk.domain.units import OrgUnit
from vulndesk.rules import RuleSet, explain
from vulndesk.services.access import rights as access
from vulndesk.services.cases import reference
from vulndesk.services.clocks import live as clocks
from vulndesk.services.clocks.options import recompute_open_cases
from vulndesk.services.context import Deps

UNIT_FIELDS = (
    "eu_main_establishment_timezone",
    "nis2_entity",
    "financial_entity",
    "cn_operator_class",
)
_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True, slots=True)
class UnitRegimes:
    """A change to a unit's regime attributes: None keeps a value, "" clears it."""

    eu_main_establishment_timezone: str | None = None
    nis2_entity: str | None = None
    financial_entity: str | None = None
    cn_operator_class: str | None = None


def _flag(field: str, value: str) -> bool:
    found = _FLAGS.get(value.strip().lower())
    if found is None:
        raise InvalidInput(field, f"{value!r} is not true or false", "true or false")
    return found


_PARSERS: dict[str, Callable[[str, str], object]] = {
    "eu_main_establishment_timezone": regimes.eu_zone,
    "nis2_entity": regimes.nis2_entity,
    "financial_entity": _flag,
    "cn_operator_class": regimes.cn_operator_class,
}


def checked(change: UnitRegimes) -> dict[str, object]:
    """The fields to change, validated; a cleared field maps to None (False for the flag)."""
    out: dict[str, object] = {}
    for item in fields(change):
        raw = getattr(change, item.name)
        if raw is None:
            continue
        if not raw.strip():
            out[item.name] = False if item.name == "financial_entity" else None
        else:
            out[item.name] = _PARSERS[item.name](item.name, raw)
    return out


def set_unit_regimes(
    deps: Deps, principal: access.Principal, unit_id: str, change: UnitRegimes, source: str
) -> OrgUnit:
    """Record a unit's regime attributes; every open case's clocks are recomputed."""
    principal.require(access.REFERENCE_WRITERS, "write")
    changed = checked(change)
    if not changed:
        raise InvalidInput("regimes", "nothing to change", ", ".join(UNIT_FIELDS))
    now = deps.clock.now()
    with deps.uow() as uow:
        unit = replace(uow.units.get(UnitId(unit_id.strip())), **changed)  # type: ignore[arg-type]
        uow.units.update(unit)
        shown = ",".join(f"{k}={_text(v)}" for k, v in sorted(changed.items()))
        uow.audit.append(
            principal.actor(source).event(
                now,
                AuditTag.REF_UNIT_REGIMES_SET,
                "unit",
                unit.id,
                tuple(sorted(changed)),
                value=shown,
            )
        )
        recompute_open_cases(deps, uow, now)
        uow.commit()
    return unit


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def set_incident_grade(
    deps: Deps, principal: access.Principal, key: str, grade: str, source: str
) -> Case:
    """Record or clear ("") a case's incident grade; the case's clocks are recomputed."""
    case_key = access.check_case(deps, principal, key)  # a hidden case is a missing one
    principal.require(access.CASE_WRITERS, "write")
    value = regimes.incident_grade("incident_grade", grade) if grade.strip() else None
    now = deps.clock.now()
    with deps.uow() as uow:
        case = uow.cases.get(case_key)
        saved = uow.cases.save(replace(case, incident_grade=value), now)
        uow.audit.append(
            principal.actor(source).event(
                now,
                AuditTag.CASE_INCIDENT_GRADE_SET,
                "case",
                case.key,
                ("incident_grade",),
                value=value.value if value else "-",
            )
        )
        clocks.recompute(deps, uow, saved, now)
        uow.commit()
    return saved


def applicability(deps: Deps, catalogue: Mapping[str, RuleSet]) -> dict[str, explain.Explained]:
    """Every rule set's applicability explained, with a verdict for each unit."""
    units = reference.list_units(deps)
    return {i: explain.explained(r, units) for i, r in sorted(catalogue.items())}

"""Which rule sets hold live cases to their clocks: the organisation's `rules.in_force` setting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.rules import RuleSet
from vulndesk.services.access.rights import ADMINS, Principal
from vulndesk.services.background.ports import OrgSetting
from vulndesk.services.clocks import live as clocks
from vulndesk.services.clocks.options import recompute_open_cases
from vulndesk.services.context import Deps


@dataclass(frozen=True, slots=True)
class RuleSetView:
    """A loaded rule set as administrators see it: in force or not, its options and values."""

    rule_set: RuleSet
    in_force: bool
    values: Mapping[str, str]  # option name -> the value in effect (chosen or default)
    chosen: frozenset[str]  # option names the organisation set explicitly


def rule_sets(
    deps: Deps, principal: Principal, catalogue: Mapping[str, RuleSet]
) -> list[RuleSetView]:
    """Every loaded rule set, in force or not, with its options (administrators)."""
    principal.require(ADMINS)
    with deps.uow() as uow:
        org = uow.org_settings.options()
    views = []
    for rule_set in sorted(catalogue.values(), key=lambda r: r.id):
        prefix = rule_set.id + "."
        chosen = {k[len(prefix) :]: v for k, v in org.items() if k.startswith(prefix)}
        views.append(
            RuleSetView(
                rule_set,
                clocks.in_force(rule_set.id, org),
                {**rule_set.option_defaults(), **chosen},
                frozenset(chosen),
            )
        )
    return views


def set_in_force(
    deps: Deps, principal: Principal, catalogue: Mapping[str, RuleSet], ids: Sequence[str]
) -> int:
    """Choose the rule sets live cases are held to; every open case is recomputed."""
    principal.require(ADMINS, "write")
    chosen = sorted({i.strip() for i in ids if i.strip()})
    unknown = [i for i in chosen if i not in catalogue]
    if unknown:
        raise InvalidInput(
            "rules", f"{unknown[0]!r} is not a loaded rule set", ", ".join(sorted(catalogue))
        )
    now = deps.clock.now()
    value = ",".join(chosen)
    with deps.uow() as uow:
        uow.org_settings.set(OrgSetting(clocks.IN_FORCE, value, now, principal.name))
        uow.audit.append(
            principal.event(
                now, AuditTag.RULES_IN_FORCE_SET, "setting", clocks.IN_FORCE, value=value or "-"
            )
        )
        count = recompute_open_cases(deps, uow, now)
        uow.commit()
    return count

"""What-if: a hypothetical rule file evaluated against every open case the caller may see; nothing stored.

Who may run it: any case reader (CASE_READERS). Need-to-know holds: an analyst or approver
evaluates only the cases they are a member of, an administrator, coordinator or headquarters
oversight every case; auditors, who see no cases, may not. Only fact instants, products and
ledger kinds are read (no encrypted detail), so the run writes nothing, not even an audit
event; see docs/decisions/0024-report-kinds-and-what-if.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from vulndesk.domain.cases import CaseState
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId, UnitId
from vulndesk.domain.parties import Party
from vulndesk.domain.policy import DisclosurePolicy, Grant, allowed_fields
from vulndesk.domain.products import Product
from vulndesk.domain.units import OrgUnit
from vulndesk.rules.loader import parse_rule_text
from vulndesk.rules.model import RuleSet
from vulndesk.rules.whatif import WINDOW, CaseInput, Finding, Tally, assess, tally
from vulndesk.services.access.rights import CASE_READERS, Principal, visible_cases
from vulndesk.services.clocks.live import in_force, org_options, situation_of
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter, UnitOfWork

OPEN_STATES = tuple(
    s for s in CaseState if s not in (CaseState.CLOSED, CaseState.REJECTED, CaseState.DUPLICATE)
)
MAX_TEXT = 256 * 1024
_PAGE = 1000
_ALL_OPEN = 10_000_000  # no limit in practice: every open case is read


@dataclass(frozen=True, slots=True)
class RecipientChange:
    """What one recipient receives today and would receive under the hypothetical rules."""

    party: str
    kind: str
    today: tuple[str, ...]
    then: tuple[str, ...]
    added_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The answer: findings per case, counts per unit and regulation, recipients' classes."""

    rule_set: str
    title: str
    replaces: bool
    now: dt.datetime
    window_hours: int
    cases: int
    findings: tuple[Finding, ...]
    tallies: tuple[Tally, ...]
    recipients: tuple[RecipientChange, ...]


def _inputs(uow: UnitOfWork, principal: Principal | None) -> Iterator[CaseInput]:
    """Every open case the principal may see (None: every open case), as the what-if reads it."""
    keys = visible_cases(uow, principal) if principal is not None else None
    units: dict[UnitId, OrgUnit] = {}
    products: dict[ProductId, Product] = {}
    # The open cases' keys in one read, then the cases a thousand at a time: paging the list
    # by offset sorted the open cases again for every page (76 pages: 33 s at 200,000 cases).
    every = uow.cases.list(CaseFilter(OPEN_STATES, keys=keys, limit=_ALL_OPEN, order="key"))
    for start in range(0, len(every), _PAGE):
        listed = [summary.key for summary in every[start : start + _PAGE]]
        cases = uow.cases.get_many(listed)
        told = uow.ledger.earliest_by_kind_for(listed)
        for key in listed:
            case = cases[key]
            unit = units.get(case.unit) or units.setdefault(case.unit, uow.units.get(case.unit))
            for a in case.products:
                if a.product not in products:
                    products[a.product] = uow.products.get(a.product)
            made = [products[a.product] for a in case.products]
            met = {f"fact:{k.value}" for k in case.instants}
            met |= {f"disclosure:{k}" for k in told.get(key, {})}
            yield CaseInput(case.key, case.unit, situation_of(case, unit, made), frozenset(met))


def _options(rule_set: RuleSet, org: Mapping[str, str]) -> dict[str, str]:
    """The organisation's chosen options that the hypothetical file also declares and allows."""
    prefix = f"{rule_set.id}."
    chosen = {}
    for key, value in org.items():
        name = key.removeprefix(prefix)
        spec = rule_set.options.get(name) if key.startswith(prefix) else None
        if spec is not None and value in spec.allowed:
            chosen[key] = value
    return chosen


def _classes(fields: frozenset[str]) -> tuple[str, ...]:
    found = {DETAIL_FIELDS[f] for f in fields}
    return tuple(c.value for c in sorted(found, key=lambda c: c.rank))


def _recipients(
    parties: list[Party], policy: DisclosurePolicy, findings: tuple[Finding, ...]
) -> tuple[RecipientChange, ...]:
    """Per party of a kind the findings address: classes today, and with the demanded content."""
    demanded: dict[str, set[str]] = {}
    for f in findings:
        demanded.setdefault(f.obligation.recipient, set()).update(f.content)
    out = []
    for party in sorted(parties, key=lambda p: (p.kind.value, p.id)):
        if party.kind.value not in demanded:
            continue
        today = allowed_fields(policy, party)
        added = frozenset(demanded[party.kind.value]) - today
        out.append(
            RecipientChange(
                party.id,
                party.kind.value,
                _classes(today),
                _classes(today | added),
                tuple(sorted(added, key=lambda f: (DETAIL_FIELDS[f].rank, f))),
            )
        )
    return tuple(out)


def _policy(uow: UnitOfWork) -> DisclosurePolicy:
    """Default grants and per-party overrides (case exceptions are per case and not general)."""
    policy = DisclosurePolicy()
    for party, (classes, fields) in uow.reports.overrides().items():
        grant = Grant(frozenset(Sensitivity(c) for c in classes), frozenset(fields))
        policy = policy.with_override(party, grant)
    return policy


def what_if(
    deps: Deps,
    principal: Principal,
    text: str,
    source: str = "what-if.toml",
    window: dt.timedelta = WINDOW,
    known: Mapping[str, RuleSet] | None = None,
) -> WhatIf:
    """Evaluate the rule file `text` against the principal's open cases; store nothing.

    `known` are the loaded rule sets: a file with the id of one of them replaces it.
    """
    principal.require(CASE_READERS, "read")
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            "file", f"the rule file has {len(text)} characters", f"at most {MAX_TEXT}"
        )
    rule_set = parse_rule_text(text, source)
    now = deps.clock.now()
    with deps.uow() as uow:
        options = _options(rule_set, org_options(uow))
        inputs = list(_inputs(uow, principal))
        findings = tuple(assess(rule_set, inputs, now, window=window, options=options))
        parties = uow.parties.list() if findings else []
        recipients = _recipients(parties, _policy(uow), findings)
    return WhatIf(
        rule_set.id,
        rule_set.title,
        known is not None and rule_set.id in known,
        now,
        int(window.total_seconds() // 3600),
        len(inputs),
        findings,
        tuple(tally(findings)),
        recipients,
    )


@dataclass(frozen=True, slots=True)
class InForceSummary:
    """The what-if of the rule sets in force over every open case: counts, no case detail."""

    rule_sets: tuple[str, ...]
    window_hours: int
    cases: int
    tallies: tuple[Tally, ...]
    # When these figures were computed (they follow the clock: overdue and due soon as of
    # then), and whether the cases and rules they were computed from are still as they were:
    # a snapshot whose inputs changed since is shown as such until the worker recomputes it.
    computed_at: dt.datetime | None = None
    current: bool = True


def in_force_summary(
    uow: UnitOfWork,
    catalogue: Mapping[str, RuleSet],
    now: dt.datetime,
    unit: UnitId | None = None,
    window: dt.timedelta = WINDOW,
) -> InForceSummary:
    """Per unit, regulation and recipient: open obligations overdue or due within `window`
    under each rule set in force, as `what_if` would count them. The caller checks who may
    see these organisation-wide figures; nothing is stored."""
    whole, cases_by_unit = in_force_by_unit(uow, catalogue, now, window)
    return narrowed(whole, cases_by_unit, unit)


def in_force_by_unit(
    uow: UnitOfWork,
    catalogue: Mapping[str, RuleSet],
    now: dt.datetime,
    window: dt.timedelta = WINDOW,
) -> tuple[InForceSummary, dict[str, int]]:
    """The in-force summary of every open case, and how many open cases each unit has: every
    unit's own summary follows from these two (`narrowed`)."""
    org = org_options(uow)
    chosen = [r for _, r in sorted(catalogue.items()) if in_force(r.id, org)]
    inputs = list(_inputs(uow, None))
    findings = [
        f for r in chosen for f in assess(r, inputs, now, window=window, options=_options(r, org))
    ]
    cases_by_unit: dict[str, int] = {}
    for c in inputs:
        cases_by_unit[c.unit] = cases_by_unit.get(c.unit, 0) + 1
    whole = InForceSummary(
        tuple(r.id for r in chosen),
        int(window.total_seconds() // 3600),
        len(inputs),
        tuple(tally(findings)),
        computed_at=now,
    )
    return whole, cases_by_unit


def narrowed(
    whole: InForceSummary, cases_by_unit: Mapping[str, int], unit: UnitId | None
) -> InForceSummary:
    """`whole` as one unit's summary: its open cases and its tallies (None: every unit).
    A tally is per unit already, so this is the summary of that unit's cases alone."""
    if unit is None:
        return whole
    return replace(
        whole,
        cases=cases_by_unit.get(unit, 0),
        tallies=tuple(t for t in whole.tallies if t.unit == unit),
    )


def as_dict(result: WhatIf) -> dict[str, object]:
    """The JSON the API and `--json` print: one shape for every way in."""
    return {
        "rule_set": result.rule_set,
        "title": result.title,
        "replaces_loaded_rule_set": result.replaces,
        "now": result.now.isoformat(),
        "window_hours": result.window_hours,
        "cases_evaluated": result.cases,
        "stored": False,
        "findings": [
            {
                "case": f.case,
                "unit": f.unit,
                "obligation": f.obligation.id,
                "regulation": f.obligation.regulation,
                "article": f.obligation.article,
                "recipient": f.obligation.recipient,
                "trigger_at": f.obligation.trigger_at.isoformat(),
                "due": f.obligation.due.isoformat() if f.obligation.due else None,
                "status": f.status,
                "content": list(f.content),
            }
            for f in result.findings
        ],
        "by_unit_and_regulation": [
            {
                "unit": t.unit,
                "regulation": t.regulation,
                "recipient": t.recipient,
                "overdue": t.overdue,
                "due_soon": t.due_soon,
            }
            for t in result.tallies
        ],
        "recipients": [
            {
                "party": r.party,
                "kind": r.kind,
                "today": list(r.today),
                "then": list(r.then),
                "added_fields": list(r.added_fields),
            }
            for r in result.recipients
        ],
    }

"""The demo organisation (units, parties, products, cases, accounts) loaded from its data file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vulndesk.domain import egress
from vulndesk.domain.cases import CaseState
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import CaseKey
from vulndesk.services.accounts import users as accounts
from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.cases import closing, opening, reference
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Acts, Deps
from vulndesk.services.demo import content
from vulndesk.services.demo.content import CaseSeed, Demo
from vulndesk.services.demo.replay import ACTOR, LOADER, join_unit_cases
from vulndesk.services.ports import CaseFilter

__all__ = ["ACTOR", "LOADER", "DemoAccount", "load", "users"]


def _allowed(deps: Deps, channel: str) -> bool:
    """Demo webhooks are kept only where VULNDESK_WEBHOOK_HOSTS lets them be entered."""
    kind, _, address = channel.partition(":")
    if kind != "webhook":
        return True
    try:
        egress.check_url("channels", address, deps.webhooks)
    except InvalidInput:
        return False
    return True


def _seed_reference(deps: Deps, demo: Demo) -> None:
    for unit in demo.units:
        contact = reference.UnitContact(unit["name"], **unit["contact"])
        fields = {k: v for k, v in unit.items() if k != "contact"}
        reference.add_unit(deps, LOADER, **fields, contact=contact)
    for party in demo.parties:
        channels = [c for c in party["channels"] if _allowed(deps, c)]
        reference.add_party(deps, LOADER, **{**party, "channels": channels})
    for product in demo.products:
        reference.add_product(deps, LOADER, reference.ProductInput(vendor=demo.vendor, **product))


def _open(deps: Deps, demo: Demo, seed: CaseSeed, now: dt.datetime) -> CaseKey:
    """Open one case, record its facts (oldest first) and move it along its path."""
    aware = now - dt.timedelta(days=seed.aware_days_ago)
    text = demo.case_text
    case = cases.open_case(
        deps,
        LOADER,
        opening.OpenCase(
            title=seed.title,
            unit=seed.unit,
            roles=seed.roles,
            products=seed.products,
            aware=aware,
            cwe=seed.cwe,
            cvss31=demo.cvss31[seed.severity],
            upstream_component=seed.upstream_component,
            evidence=text.evidence,
            details=text.details_of(seed.title, seed.cwe),
        ),
    )
    for fact, ago in sorted(seed.facts.items(), key=lambda kv: -kv[1]):
        at = max(now - dt.timedelta(days=ago), aware)
        cases.record_fact(deps, LOADER, case.key, fact, at, text.fact_source)
    for state in seed.path:
        marks = _resolved_for_close(deps, case.key, text) if state == "closed" else None
        cases.transition(deps, LOADER, case.key, state, text.transition_reason, None, marks)
    return case.key


def _resolved_for_close(deps: Deps, key: CaseKey, text: content.CaseText) -> dict[str, str]:
    """A closed demo case had its obligations handled before the demo's records begin."""
    with deps.uow() as uow:
        items = closing.unresolved(uow.obligations.for_case(key))
    return {o.id: text.closed_not_applicable for o in items}


def load(deps: Deps, *, only_if_empty: bool = False, demo: Demo | None = None) -> int:
    """Load the demo through the real use cases; returns the number of cases opened."""
    demo = demo or content.read()
    with deps.uow() as uow:
        empty = not uow.units.list()
    if not empty:
        if only_if_empty:
            return 0
    else:
        _seed_reference(deps, demo)
    now = deps.clock.now()
    opened = {seed.title: _open(deps, demo, seed, now) for seed in demo.cases}
    # A duplicate is marked once every case is open.
    for seed in demo.cases:
        if seed.duplicate_of:
            cases.transition(
                deps,
                LOADER,
                opened[seed.title],
                CaseState.DUPLICATE.value,
                seed.duplicate_reason,
                opened[seed.duplicate_of],
            )
    with deps.uow() as uow:
        return uow.cases.count(CaseFilter(limit=1))


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo account with its secrets, shown once to whoever loaded the demo."""

    name: str
    role: str
    unit: str
    password: str
    totp_secret: str
    otpauth: str


def users(
    deps: Deps, actor: Acts, hasher: PasswordHasher, demo: Demo | None = None
) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; returns those created, with secrets."""
    demo = demo or content.read()
    with deps.uow() as uow:
        existing = {u.name for u in uow.accounts.list_users()}
    created: list[DemoAccount] = []
    for seed in demo.users:
        if seed.name in existing:
            continue
        _, password = accounts.add_user(
            deps,
            actor,
            hasher,
            name=seed.name,
            email=f"{seed.name}@{demo.email_domain}",
            roles=[seed.role],
            unit=seed.unit,
            display_name=f"Demo {seed.role} ({seed.unit})",
        )
        secret, uri = accounts.enroll_totp(deps, actor, seed.name)
        created.append(DemoAccount(seed.name, seed.role, seed.unit, password, secret, uri))
        if seed.joins:
            join_unit_cases(deps, seed.name, seed.joins)
    return created

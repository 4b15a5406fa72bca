"""The demo loader's one admin principal, and how it finds the demo's accounts and cases."""

from __future__ import annotations

from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Actor, Deps
from vulndesk.services.ports import CaseFilter

# Operator acts (reference data, accounts) are recorded for the demo loader.
ACTOR = Actor("demo-loader", "demo")
# The demo's cases are opened and moved by use cases a person performs: the loader acts as the
# demo's administrator for them (it is an operator command on a fresh, local database).
LOADER = access.person("demo-loader", {"admin"}, source="demo")


def account(deps: Deps, name: str) -> Principal:
    """The demo account `name` as a principal, with its stored roles and unit."""
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
    return access.person(user.name, user.roles, user.unit, source="demo")


def case_by_title(deps: Deps, title: str) -> CaseKey:
    """The key of the one case titled `title`."""
    with deps.uow() as uow:
        found = [c.key for c in uow.cases.list(CaseFilter(limit=1000)) if c.title == title]
    if len(found) != 1:
        raise LookupError(f"demo case {title!r} not found once")
    return found[0]


def join_unit_cases(deps: Deps, name: str, unit: str) -> None:
    """Make `name` a member of every case of `unit`."""
    with deps.uow() as uow:
        keys = [c.key for c in uow.cases.list(CaseFilter(unit=UnitId(unit), limit=1000))]
    for key in keys:
        access.set_member(deps, LOADER, key, name, True)

"""Builders for test data: a small organisation, product and case, through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event

from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.adapters.storage.uow import SqlUnitOfWork
from vulndesk.bootstrap import Container
from vulndesk.domain.cases import Case
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import users as accounts
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import opening, reference
from vulndesk.services.context import Actor, Acts, Deps
from vulndesk.services.demo import history as demo_history
from vulndesk.services.demo import organisation as demo
from vulndesk.services.ports import UnitOfWork

V31_CRIT = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def seed_reference(deps: Deps, actor: Acts) -> None:
    actor = as_principal(actor)
    reference.add_unit(
        deps, actor, id="hq", name="Acme Inc.", country="US", timezone="America/Los_Angeles"
    )
    reference.add_unit(
        deps,
        actor,
        id="cn",
        name="Acme Shenzhen",
        country="CN",
        timezone="Asia/Shanghai",
        parent="hq",
    )
    reference.add_unit(
        deps, actor, id="de", name="Acme GmbH", country="DE", timezone="Europe/Berlin", parent="hq"
    )
    reference.add_party(
        deps,
        actor,
        id="nvdb",
        name="NVDB",
        kind="regulator",
        country="CN",
        channels=["portal:nvdb"],
    )
    reference.add_party(
        deps,
        actor,
        id="openssl",
        name="OpenSSL",
        kind="upstream_supplier",
        country="US",
        channels=["email:sec@openssl.example"],
    )
    reference.add_product(
        deps,
        actor,
        reference.ProductInput(
            id="router",
            vendor="Acme",
            name="Router",
            model="R-1",
            versions=("1.0", "1.1", "2.0"),
            markets=("CN", "DE"),
            components=("pkg:generic/openssl@3.0.13",),
            suppliers=("openssl",),
        ),
    )
    reference.add_product(
        deps,
        actor,
        reference.ProductInput(
            id="cloud",
            vendor="Acme",
            name="Cloud",
            model="C",
            kind="service",
            versions=("live",),
            markets=("US",),
            users_must_act=False,
        ),
    )


def open_case(deps: Deps, actor: Actor | Principal, **kw: Any) -> Case:
    req = opening.OpenCase(
        **(
            {
                "title": "Heap overflow in httpd",
                "unit": "cn",
                "products": {"router": ["1.0"]},
                "cvss31": V31_CRIT,
            }
            | kw
        )
    )
    return cases.open_case(deps, as_principal(actor), req)


def as_principal(actor: Acts) -> Principal:
    """A principal for an actor spelled the old way (a person with its roles, else an admin)."""
    if isinstance(actor, Principal):
        return actor
    return as_person(actor.name, actor.source, actor.roles, actor.unit)


def as_person(
    name: str,
    source: str = "test",
    roles: frozenset[str] | set[str] = frozenset(),
    unit: str | None = None,
    session: str = "",
) -> Principal:
    """A person's principal, spelled as an `Actor` used to be: the use cases a person performs
    check it. Without roles it is an administrator (every case, every act); stored accounts
    (`accounts_for`) still decide approvals."""
    del session
    return access.person(name, frozenset(roles) or {"admin"}, unit, source)


def accounts_for(deps: Deps, *actors: Acts, role: str = "approver") -> None:
    """Real accounts behind `actors` (with their units): approvals count only for those."""
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024)
    for a in actors:
        accounts.add_user(
            deps,
            Actor("setup", "test"),
            hasher,
            name=a.name,
            email=f"{a.name}@example.org",
            roles=[role],
            unit=a.unit,
        )


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """The statements `engine` sends while the block runs, as sent (BEGIN/COMMIT included)."""
    seen: list[str] = []

    def listen(_c: object, _cur: object, statement: str, *_a: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def demo_with_history(container: Container, deps: Deps) -> Deps:
    """The demo organisation, its accounts and its filing history, loaded through the services."""
    demo.load(deps)
    demo.users(deps, demo.ACTOR, container.passwords)
    demo_history.load(deps)
    return deps


def reader(name: str, role: str, unit: str) -> Principal:
    """A signed-in person with one role and the read scope only."""
    return Principal(name, frozenset({role}), unit, frozenset({"read"}), "session:test")


def sql(uow: UnitOfWork) -> Connection:
    """The SQL connection of a unit of work from the storage adapter, for checks written in SQL."""
    assert isinstance(uow, SqlUnitOfWork)
    return uow.conn

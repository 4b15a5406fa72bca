"""What every use case receives: the ports it may use and the actor it acts for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self, cast

from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.services.ports import Clock, UnitOfWork


class Evaluator(Protocol):
    """Turns a situation into obligations under the rule sets in force."""

    def __call__(
        self,
        situation: Situation,
        options: Mapping[str, str],
        overrides: Mapping[str, Mapping[dt.date, bool]] | None = None,
    ) -> list[Obligation]:
        """`overrides`: working-day overrides by country, read from storage by the caller."""
        ...


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a user name (or `cli`, `worker`, `intake`) and where from."""

    name: str
    source: str = "cli"
    roles: frozenset[str] = frozenset()
    unit: str | None = None
    session: str = ""

    def event(
        self,
        at: dt.datetime,
        tag: str,
        object_type: str,
        object_id: str,
        fields: tuple[str, ...] = (),
        **detail: str,
    ) -> AuditEvent:
        return AuditEvent(at, self.name, tag, object_type, object_id, fields, self.source, detail)


@dataclass(frozen=True)
class Deps:
    """Ports for use cases. `evaluate` is optional so reference-data tools work without rules."""

    uow: Callable[[], UnitOfWork]
    clock: Clock
    evaluate: Evaluator | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    # A read-only unit of work: reads that never wait for (or hold) the writer lock.
    read: Callable[[], UnitOfWork] | None = None

    def reader(self) -> UnitOfWork:
        """A read-only unit of work when one is configured, else an ordinary one."""
        return self.read() if self.read is not None else self.uow()


class _Memo:
    """Units or products by id, each read at most once in a transaction that several use."""

    def __init__(self, repo: Any) -> None:
        self._repo = repo
        self._got: dict[str, Any] = {}

    def get(self, id_: str) -> Any:
        if id_ not in self._got:
            self._got[id_] = self._repo.get(id_)
        return self._got[id_]

    def list(self) -> list[Any]:
        found = list(self._repo.list())
        self._got.update({x.id: x for x in found})
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)


class _Joined:
    """A unit of work that joins an open transaction: the owner of the transaction commits.

    Reference data (units, products) is read once per transaction: the use cases joined into
    one request each look up the same unit and product.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.units = _Memo(uow.units)
        self.products = _Memo(uow.products)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def commit(self) -> None:
        return None


def read_once(uow: UnitOfWork) -> UnitOfWork:
    """`uow` with units and products each read at most once (its commit still does nothing)."""
    return cast(UnitOfWork, uow if isinstance(uow, _Joined) else _Joined(uow))


def joined(deps: Deps, uow: UnitOfWork) -> Deps:
    """Deps whose use cases run inside `uow`'s transaction, so several commit as one."""
    view = read_once(uow)
    return Deps(lambda: view, deps.clock, deps.evaluate, deps.options)

"""What every use case receives: the ports it may use and the actor it acts for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

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

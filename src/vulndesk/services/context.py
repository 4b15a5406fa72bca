"""What every use case receives: the ports it may use and the actor it acts for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.egress import WebhookRules
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.services.background.ports import OutboxMessage
from vulndesk.services.ports import Clock, SharedTransactions, UnitOfWork

T = TypeVar("T")


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


class Acts(Protocol):
    """Whoever an act is recorded for: an `Actor` (the worker, intake, an operator) or an
    authenticated `Principal` (`services.access`), which use cases also check."""

    @property
    def name(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def roles(self) -> frozenset[str]: ...
    @property
    def unit(self) -> str | None: ...

    def event(
        self,
        at: dt.datetime,
        tag: AuditTag,
        object_type: str,
        object_id: str,
        fields: tuple[str, ...] = (),
        **detail: str,
    ) -> AuditEvent: ...


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
        tag: AuditTag,
        object_type: str,
        object_id: str,
        fields: tuple[str, ...] = (),
        **detail: str,
    ) -> AuditEvent:
        return AuditEvent(at, self.name, tag, object_type, object_id, fields, self.source, detail)


# An outbox handler returns None when its work is done, or why it can never be done.
Handler = Callable[[UnitOfWork, OutboxMessage, dt.datetime, Acts], str | None]
# A step that queues outbox rows before each dispatch; returns how many it queued.
Producer = Callable[["Deps", Acts], int]


@dataclass(frozen=True, slots=True)
class OutboxRoutes:
    """The worker's outbox handlers by kind and its producers by name, as a container built
    them (one set per container, so two containers in one process never share them)."""

    handlers: Mapping[str, Handler] = field(default_factory=dict)
    producers: Mapping[str, Producer] = field(default_factory=dict)


@dataclass(frozen=True)
class Deps:
    """Ports for use cases. `evaluate` is optional so reference-data tools work without rules."""

    uow: Callable[[], UnitOfWork]
    clock: Clock
    evaluate: Evaluator | None = None
    # A read-only unit of work: reads that never wait for (or hold) the writer lock.
    read: Callable[[], UnitOfWork] | None = None
    # Shared transactions for the hot small writes (group commit, cached planning reads).
    shared: SharedTransactions | None = None
    # Which webhook URLs may be entered (VULNDESK_WEBHOOK_HOSTS); the default refuses them all.
    webhooks: WebhookRules = field(default_factory=WebhookRules)
    # A disclosure claimed longer than this before it is recorded is backdated: it needs a
    # justification approved by a second person (`VULNDESK_BACKDATE_LIMIT_HOURS`).
    backdate_limit: dt.timedelta = dt.timedelta(hours=24)
    # What the worker does with each outbox kind, and what it queues before dispatching.
    outbox: OutboxRoutes = field(default_factory=OutboxRoutes)

    def reader(self) -> UnitOfWork:
        """A read-only unit of work when one is configured, else an ordinary one."""
        return self.read() if self.read is not None else self.uow()

    def transactions(self) -> SharedTransactions:
        """The shared transactions; the composition root always provides them."""
        if self.shared is None:
            raise RuntimeError("these Deps have no SharedTransactions (see bootstrap.Container)")
        return self.shared


def joined(deps: Deps, uow: UnitOfWork) -> Deps:
    """Deps whose use cases run inside `uow`, a unit of work `SharedTransactions.run` handed
    to its work (its `commit()` does nothing), so several use cases commit as one."""
    return replace(deps, uow=lambda: uow, read=None)


def run_joined(deps: Deps, work: Callable[[Deps], T], *, grouped: bool = True) -> T:
    """`work(deps)` with every use case it calls in one transaction, committed when it returns;
    with `grouped`, shared with concurrent callers (see `SharedTransactions.run`)."""
    return deps.transactions().run(lambda uow: work(joined(deps, uow)), grouped=grouped)

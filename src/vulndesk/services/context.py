"""What every use case receives: the ports it may use and the actor it acts for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self, cast

from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.egress import WebhookRules
from vulndesk.domain.errors import NotFound
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.services.ports import Clock, UnitOfWork
from vulndesk.services.ports_worker import OutboxMessage


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


# An outbox handler returns None when its work is done, or why it can never be done.
Handler = Callable[[UnitOfWork, OutboxMessage, dt.datetime, Actor], str | None]
# A step that queues outbox rows before each dispatch; returns how many it queued.
Producer = Callable[["Deps", Actor], int]


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
    # Reference data shared across transactions at one reference version (`ReferenceCache`).
    cache: ReferenceCache | None = None
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
        self.units: Any = _Memo(uow.units)
        self.products: Any = _Memo(uow.products)

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


_MISSING = object()
# Entries one cached version keeps at most: names read from public reports are free text.
CACHE_LIMIT = 1000


class _SharedMemo:
    """A repository's reads kept in `store` (shared by every view of one reference version):
    `get` results and their NotFound, and `list` (the repository's own other methods pass)."""

    def __init__(self, repo: Any, store: dict[Any, Any]) -> None:
        self._repo = repo
        self._store = store

    def _kept(self, key: Any, read: Callable[[], Any]) -> Any:
        got = self._store.get(key, _MISSING)
        if got is _MISSING:
            try:
                got = read()
            except NotFound as exc:
                got = exc
            if len(self._store) < CACHE_LIMIT:
                self._store[key] = got
        if isinstance(got, NotFound):
            # A new exception each time: raising the kept one again would chain every raise's
            # traceback (and its frames) onto it.
            raise NotFound(got.kind, got.key)
        return got

    def get(self, id_: str) -> Any:
        return self._kept(("get", id_), lambda: self._repo.get(id_))

    def list(self) -> list[Any]:
        return list(self._kept(("list",), lambda: tuple(self._repo.list())))

    def options(self) -> dict[str, str]:
        return dict(self._kept(("options",), self._repo.options))

    def overrides(self) -> dict[str, dict[dt.date, bool]]:
        kept = self._kept(("overrides",), self._repo.overrides)
        return {country: dict(days) for country, days in kept.items()}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)


class _Cached(_Joined):
    """A read-only view whose reference data comes from a `ReferenceCache` entry."""

    def __init__(self, uow: UnitOfWork, store: dict[str, dict[Any, Any]]) -> None:
        self._uow = uow
        self.units = _SharedMemo(uow.units, store["units"])
        self.products = _SharedMemo(uow.products, store["products"])
        self.org_settings = _SharedMemo(uow.org_settings, store["org_settings"])
        self.calendar = _SharedMemo(uow.calendar, store["calendar"])


class ReferenceCache:
    """Reference data (units, products, organisation options, calendar overrides) kept across
    transactions for as long as the reference version stays the same.

    Every change to those tables moves the version (database triggers, migration 0011), so a
    transaction that has read the version V first may take what another transaction read
    after reading V: that data is at least as new as V, and if it is newer the version has
    moved and whoever stores a plan made from it finds out (`services.cases.store_open`).
    Versions only grow; a transaction still at an older version reads for itself.
    """

    def __init__(self) -> None:
        self._entry: tuple[int, dict[str, dict[Any, Any]]] | None = None

    def view(self, uow: UnitOfWork, version: int) -> UnitOfWork:
        """`uow` reading its reference data through the cache of `version`."""
        entry = self._entry
        if entry is None or entry[0] < version:
            entry = (version, {"units": {}, "products": {}, "org_settings": {}, "calendar": {}})
            self._entry = entry
        elif entry[0] > version:
            return read_once(uow)
        return cast(UnitOfWork, _Cached(uow, entry[1]))


def read_once(uow: UnitOfWork) -> UnitOfWork:
    """`uow` with units and products each read at most once (its commit still does nothing)."""
    return cast(UnitOfWork, uow if isinstance(uow, _Joined) else _Joined(uow))


def joined(deps: Deps, uow: UnitOfWork) -> Deps:
    """Deps whose use cases run inside `uow`'s transaction, so several commit as one."""
    view = read_once(uow)
    return Deps(
        lambda: view,
        deps.clock,
        deps.evaluate,
        cache=deps.cache,
        webhooks=deps.webhooks,
        backdate_limit=deps.backdate_limit,
        outbox=deps.outbox,
    )

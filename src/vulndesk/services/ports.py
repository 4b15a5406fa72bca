"""Ports: the Protocols services use to reach storage, clocks and the outside world.

Each has one adapter per technology in `vulndesk.adapters` and a fake in `tests/fakes.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self, TypeVar

from vulndesk.domain.audit import AuditEvent, ChainedEvent
from vulndesk.domain.cases import Case, CaseState
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, PartyId, ProductId, UnitId
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.domain.parties import Party
from vulndesk.domain.products import Product
from vulndesk.domain.severity import SeverityLevel
from vulndesk.domain.units import OrgUnit
from vulndesk.services.accounts.ports import AccountRepository
from vulndesk.services.advisories.ports import AdvisoryRepository, CveIdRepository
from vulndesk.services.background.ports import (
    CalendarRepository,
    EscalationRepository,
    OrgSettingsRepository,
    OutboxRepository,
    SnapshotRepository,
    SweepRepository,
)
from vulndesk.services.coordination.ports import CoordinationRepository
from vulndesk.services.intake.ports import IdempotencyStore, IntakeRepository, KeyMaintenance
from vulndesk.services.notify.ports import NotificationRepository
from vulndesk.services.publication.ports import (
    ComponentRepository,
    PublicationRepository,
    SupplierRepository,
)
from vulndesk.services.reports.ports import (
    LedgerRepository,
    OversightRepository,
    ReportRepository,
)


class Clock(Protocol):
    """The only source of `now` for services."""

    def now(self) -> dt.datetime: ...


class UnitRepository(Protocol):
    def add(self, unit: OrgUnit) -> None: ...
    def update(self, unit: OrgUnit) -> None:
        """Replace the stored unit with the same id; NotFound when there is none."""
        ...

    def get(self, unit_id: UnitId) -> OrgUnit: ...
    def list(self) -> list[OrgUnit]: ...


class ProductRepository(Protocol):
    def add(self, product: Product) -> None: ...
    def get(self, product_id: ProductId) -> Product: ...
    def list(self) -> list[Product]: ...


class PartyRepository(Protocol):
    def add(self, party: Party) -> None: ...
    def get(self, party_id: PartyId) -> Party: ...
    def list(self) -> list[Party]: ...


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Filters for listing cases; None means any."""

    states: tuple[CaseState, ...] = ()
    unit: UnitId | None = None
    product: ProductId | None = None
    keys: tuple[CaseKey, ...] | None = None
    limit: int = 50
    offset: int = 0
    order: str = "-updated"
    # Words matched in keys, titles, product ids and names and reporters' tracking ids
    # (never in encrypted details); the severity level of the CVSS 4.0 score, else 3.1.
    text: str = ""
    severity: SeverityLevel | None = None


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case row for lists: no sensitive details, no facts."""

    key: CaseKey
    title: str
    unit: UnitId
    state: CaseState
    cwe: str | None
    cvss31_score: float | None
    cn_grade: str | None
    products: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CaseInstants:
    """A case's unit and current fact instants (as `Case.instants`), without its detail."""

    key: CaseKey
    unit: UnitId
    instants: Mapping[FactKind, dt.datetime]


class CaseRepository(Protocol):
    def next_key(self, year: int) -> CaseKey: ...
    def add(self, case: Case, now: dt.datetime) -> None: ...
    def get(self, key: CaseKey) -> Case: ...
    def get_many(self, keys: Collection[CaseKey]) -> dict[CaseKey, Case]:
        """The cases of `keys` that exist, each as `get` reads it, in a few statements."""
        ...

    def fact_instants(self, keys: Collection[CaseKey]) -> dict[CaseKey, CaseInstants]:
        """The unit and fact instants of the cases of `keys` that exist; nothing decrypted."""
        ...

    def save(self, case: Case, now: dt.datetime) -> Case: ...
    def list(self, flt: CaseFilter) -> list[CaseSummary]: ...
    def count(self, flt: CaseFilter) -> int: ...


@dataclass(frozen=True, slots=True)
class DueFilter:
    """The due-soon query: open or overdue deadlines up to `until`."""

    until: dt.datetime
    unit: UnitId | None = None
    cases: tuple[CaseKey, ...] | None = None
    statuses: tuple[ObligationStatus, ...] = (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
    limit: int = 100
    # Cases in these states are left out (closed and duplicate ones on the due lists).
    skip_states: tuple[CaseState, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """How many clocks of one regulation that fell due on one UTC day ended with `status`,
    met in time or not."""

    regulation: str
    day: dt.date
    status: ObligationStatus
    on_time: bool
    count: int


@dataclass(frozen=True, slots=True)
class LateCount:
    """How many clocks of one obligation are late (met late) or overdue, per case unit."""

    unit: UnitId
    regulation: str
    obligation: str
    status: ObligationStatus
    count: int


class ObligationRepository(Protocol):
    def for_case(self, key: CaseKey) -> list[CaseObligation]: ...
    def replace_for_case(
        self, key: CaseKey, unit: UnitId, items: Sequence[CaseObligation], now: dt.datetime
    ) -> None: ...
    def due(self, flt: DueFilter) -> list[CaseObligation]: ...
    def regulations(self, cases: tuple[CaseKey, ...] | None) -> list[str]:
        """The regulations with a dated clock that applies on `cases` (None: every case), sorted."""
        ...

    def late_counts(self, unit: UnitId | None) -> list[LateCount]:
        """Overdue and met-late dated clocks (of `unit`'s cases, or all), counted per case
        unit, obligation and status."""
        ...

    def outcomes(
        self, since: dt.datetime, until: dt.datetime, cases: tuple[CaseKey, ...] | None
    ) -> list[Outcome]:
        """The met, met-late and overdue clocks of `cases` (None: every case) that fell due in
        [since, until], counted per regulation, UTC day, status and punctuality."""
        ...


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """An audit-trail search, newest first: each given criterion must hold (None: any)."""

    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    tag: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 50
    offset: int = 0
    # Objects that belong to the one searched for and match as well (a case's decisions and
    # ledger entries, as (object_type, object_id)), and the object types whose ids start with
    # the searched id and a slash (a case's reports: `CASE/KIND/RECIPIENT/vN`).
    related: tuple[tuple[str, str], ...] = ()
    prefixed: tuple[str, ...] = ()


class AuditLog(Protocol):
    def append(self, event: AuditEvent) -> ChainedEvent: ...
    def append_many(self, events: list[AuditEvent]) -> list[ChainedEvent]:
        """`events` appended in order, in one step."""
        ...

    def events(self, start: int = 1, end: int | None = None) -> list[ChainedEvent]: ...
    def for_object(
        self, object_type: str, object_id: str, limit: int = 200
    ) -> list[ChainedEvent]: ...
    def search(self, query: AuditQuery) -> list[ChainedEvent]:
        """The events matching `query`, newest first, one page of them."""
        ...


class UnitOfWork(Protocol):
    """One atomic transaction over every repository; leaving without commit rolls back."""

    @property
    def units(self) -> UnitRepository: ...
    @property
    def products(self) -> ProductRepository: ...
    @property
    def parties(self) -> PartyRepository: ...
    @property
    def cases(self) -> CaseRepository: ...
    @property
    def obligations(self) -> ObligationRepository: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def publication(self) -> PublicationRepository: ...
    @property
    def components(self) -> ComponentRepository: ...
    @property
    def intake(self) -> IntakeRepository: ...
    @property
    def idempotency(self) -> IdempotencyStore: ...
    @property
    def keys(self) -> KeyMaintenance: ...
    @property
    def reports(self) -> ReportRepository: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def oversight(self) -> OversightRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def escalations(self) -> EscalationRepository: ...
    @property
    def sweep(self) -> SweepRepository: ...
    @property
    def org_settings(self) -> OrgSettingsRepository: ...
    @property
    def calendar(self) -> CalendarRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def notifications(self) -> NotificationRepository: ...
    @property
    def advisories(self) -> AdvisoryRepository: ...
    @property
    def cve_ids(self) -> CveIdRepository: ...
    @property
    def coordination(self) -> CoordinationRepository: ...
    @property
    def suppliers(self) -> SupplierRepository: ...
    @property
    def snapshots(self) -> SnapshotRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Planning:
    """A read-only unit of work to plan a write in, and the stamp of the reference data
    (units, products, options, calendar overrides) it reads: see `SharedTransactions`."""

    uow: UnitOfWork
    stamp: int


class SharedTransactions(Protocol):
    """The one port for the hot small writes: many requests' work in one durable commit.

    Everything that makes intake fast (group commit, joined and cached views, the reference
    version) lives behind it in storage; use cases see only these three calls.
    """

    def run(self, work: Callable[[UnitOfWork], T], *, grouped: bool = True) -> T:
        """`work(uow)`, kept once its transaction has committed; `work`'s error undoes its part.

        `uow.commit()` inside does nothing: the transaction commits when `work` returns.
        With `grouped`, the transaction is shared with concurrent callers, so `work` may run
        twice (another piece of the batch failed) and must have no effect outside storage.
        """
        ...

    def planning(self) -> AbstractContextManager[Planning]:
        """A read-only transaction to plan a write in before `run`; its reference data may
        come from a cache that is valid for its `stamp`."""
        ...

    def unchanged(self, uow: UnitOfWork, stamp: int) -> bool:
        """Whether reference data read at `stamp` is still current in `uow`'s transaction."""
        ...

"""Ports for background work: the outbox, escalations, the deadline sweep, org settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus


class OutboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One durable unit of outgoing work, unique by its dedupe key."""

    id: int
    kind: str
    dedupe_key: str
    payload: Mapping[str, Any]
    status: OutboxStatus
    attempts: int
    next_attempt_at: dt.datetime
    claimed_by: str | None = None
    claimed_until: dt.datetime | None = None
    created_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Escalation:
    """A deadline escalation as delivered to one recipient, or as undeliverable.

    `status` is `delivered` (to `recipient` by `channel`) or `undeliverable: no recipient`
    (recipient and channel None); `delivered_at` is when the worker recorded either.
    """

    dedupe_key: str
    case: CaseKey
    obligation_id: str
    due_at: dt.datetime
    threshold: int
    delivered_at: dt.datetime
    delivered_by: str
    status: str = "delivered"
    recipient: str | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class LiveDeadline:
    """A stored obligation as the sweep sees it (row id, times and status only)."""

    pk: int
    case: CaseKey
    obligation_id: str
    status: ObligationStatus
    trigger_at: dt.datetime
    due_at: dt.datetime | None
    is_deadline: bool
    updated_at: dt.datetime = field(compare=False)


class OutboxRepository(Protocol):
    def enqueue(
        self, kind: str, dedupe_key: str, payload: Mapping[str, Any], now: dt.datetime
    ) -> bool: ...
    def claim(
        self, worker: str, now: dt.datetime, until: dt.datetime, limit: int
    ) -> list[OutboxMessage]: ...
    def lock_claimed(self, message_id: int, worker: str) -> OutboxMessage | None: ...
    def mark_sent(self, message_id: int, now: dt.datetime) -> None: ...
    def mark_retry(
        self, message_id: int, error: str, next_at: dt.datetime, *, failed: bool
    ) -> None: ...
    def list(self, status: OutboxStatus | None = None, limit: int = 100) -> list[OutboxMessage]: ...
    def pending(self, prefix: str) -> bool:
        """Whether a row whose dedupe key starts with `prefix` waits to be sent."""
        ...


class EscalationRepository(Protocol):
    def add(self, escalation: Escalation) -> bool: ...
    def list(self, limit: int = 100) -> list[Escalation]: ...


class SweepRepository(Protocol):
    def lock_sweep(self, name: str, now: dt.datetime) -> dt.datetime | None:
        """Take the sweep lock; the last watermark, or None if another sweep holds it."""
        ...

    def set_watermark(self, name: str, at: dt.datetime) -> None: ...
    def changed(self, after: tuple[dt.datetime, int], limit: int) -> list[LiveDeadline]: ...
    def schedule(self, items: Sequence[tuple[int, dt.datetime | None]]) -> None: ...
    def scheduled_due(
        self, now: dt.datetime, limit: int
    ) -> tuple[list[LiveDeadline], list[int]]: ...
    def past_due_open(self, now: dt.datetime, limit: int) -> list[LiveDeadline]: ...
    def mark_overdue(self, pks: Sequence[int], now: dt.datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class OrgSetting:
    key: str
    value: str
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    country: str
    day: dt.date
    working: bool
    note: str
    updated_at: dt.datetime
    updated_by: str


class OrgSettingsRepository(Protocol):
    def options(self) -> dict[str, str]: ...
    def list(self) -> list[OrgSetting]: ...
    def set(self, setting: OrgSetting) -> None: ...
    def delete(self, key: str) -> bool: ...


class CalendarRepository(Protocol):
    def overrides(self) -> dict[str, dict[dt.date, bool]]: ...
    def list(self, country: str | None = None) -> list[CalendarOverride]: ...
    def set(self, override: CalendarOverride) -> None: ...
    def delete(self, country: str, day: dt.date) -> bool: ...


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Figures computed ahead of the page that shows them: `body` is their JSON (sealed at
    rest), `fingerprint` a digest of the inputs they were computed from."""

    name: str
    computed_at: dt.datetime
    fingerprint: str
    body: str


class SnapshotRepository(Protocol):
    def get(self, name: str) -> Snapshot | None: ...
    def put(self, snapshot: Snapshot) -> None:
        """Stored under its name, replacing the one before (sealed)."""
        ...

    def inputs_marker(self) -> str:
        """A short text that changes whenever a case, its facts or state, a ledger entry or
        the reference data (units, products, options, calendars) changes: index reads only."""
        ...

"""Ports and records for notifications: who gets a product's notices, frozen messages, senders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vulndesk.domain.ids import CaseKey, PartyId, ProductId, UnitId
from vulndesk.services.reports.ports import HqNotice


@dataclass(frozen=True, slots=True)
class ProductRecipient:
    """A party told about a product's vulnerabilities; empty `versions` means every version."""

    product: ProductId
    party: PartyId
    role: str
    versions: tuple[str, ...]
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class NoticeMessage:
    """One notice frozen at queue time: exactly what one channel of one recipient gets.

    `key` is the outbox dedupe key `<case>/notice/<kind>/<party>/<channel>/<sha256>`;
    `content` is the canonical JSON of what is sent (None when not asked for).
    """

    key: str
    case: CaseKey
    unit: UnitId
    kind: str
    party: PartyId
    party_kind: str
    channel: str
    address: str
    language: str
    content: str | None
    sha256: str
    fields: tuple[str, ...]
    classes: tuple[str, ...]
    draft_ref: str | None
    approvers: tuple[str, ...]
    created_at: dt.datetime
    created_by: str
    sent_at: dt.datetime | None = None
    ledger_id: int | None = None


class NotificationRepository(Protocol):
    def subscribe(self, recipient: ProductRecipient) -> None: ...
    def unsubscribe(self, product: ProductId, party: PartyId) -> bool: ...
    def recipients(self, product: ProductId | None = None) -> list[ProductRecipient]: ...
    def add_message(self, message: NoticeMessage) -> bool:
        """Store unless a message with the same key exists; True when stored."""
        ...

    def get_message(self, key: str) -> NoticeMessage: ...
    def messages(self, case: CaseKey) -> list[NoticeMessage]: ...
    def mark_sent(self, key: str, at: dt.datetime, ledger_id: int) -> None: ...
    def hq_cursor(self) -> int: ...
    def set_hq_cursor(self, last_id: int) -> None: ...
    def hq_notices_after(self, last_id: int, limit: int) -> list[HqNotice]: ...
    def hq_notice(self, notice_id: int) -> HqNotice: ...


class DeliveryFailed(Exception):
    """The message did not get through this time (network, timeout, a 5xx or SMTP 4xx answer):
    the outbox retries it with backoff."""


class DeliveryRefused(Exception):
    """The sender or the receiver refused the message for good (a webhook host off the
    allow-list, a malformed address, SMTP 5xx, HTTP 4xx): recorded with its reason after one
    attempt and never retried."""


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A mail to send. The adapter builds the subject from `case` and `kind` alone.

    `delivery` (the dedupe key) goes into the Message-ID and an X-Vulndesk-Delivery header,
    so a receiver can drop the duplicate a crash between sending and recording may cause.
    `from_name` and `from_address` name the reporting entity (`Acme GmbH PSIRT
    <psirt@acme.example>`); empty means the configured sender.
    """

    to: str
    case: str
    kind: str
    language: str
    text: str
    html: str
    delivery: str
    from_name: str = ""
    from_address: str = ""


class NoticeSender(Protocol):
    """Mail and webhook delivery. A failure raises `DeliveryFailed` (the outbox retries it with
    backoff) or `DeliveryRefused` (the outbox records it as refused and never retries it)."""

    def mail(self, message: OutgoingMail) -> str:
        """Send; returns the Message-ID."""
        ...

    def webhook(self, party: str, url: str, body: Mapping[str, Any], now: dt.datetime) -> int:
        """POST the signed JSON body with the party's secret; returns the HTTP status."""
        ...

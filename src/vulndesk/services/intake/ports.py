"""Ports for public intake, idempotent requests and key maintenance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from vulndesk.domain.errors import Conflict
from vulndesk.domain.intake import IntakeRecord


class IdempotencyKeyTaken(Conflict):
    """A concurrent request stored the same idempotency key first; the caller replays it."""


@dataclass(frozen=True, slots=True)
class Upload:
    """An attachment as checked: safe name, sniffed media type, raw bytes."""

    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class IntakeMessage:
    author: str
    body: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Receipt:
    """An RMSV Art. 5 receipt-log entry; the source address is only kept as a keyed hash."""

    at: dt.datetime
    channel: str
    source_hmac: str
    size: int
    tracking: str


@dataclass(frozen=True, slots=True)
class StoredResponse:
    request_hash: str
    status: int
    body: str


@dataclass(frozen=True, slots=True)
class Mailing:
    """A staff reply mailed to the reporter: the thread message (its index), to whom, how."""

    tracking: str
    message: int
    recipient: str
    encrypted: bool
    message_id: str
    sent_at: dt.datetime


class IntakeRepository(Protocol):
    def add(self, record: IntakeRecord) -> None: ...
    def get(self, tracking: str) -> IntakeRecord: ...
    def for_reporter(
        self, tracking: str, counter: str, window: int
    ) -> tuple[IntakeRecord | None, str, int]: ...
    def recent(self, limit: int) -> list[IntakeRecord]: ...
    def add_attachment(self, tracking: str, upload: Upload, at: dt.datetime) -> None: ...
    def attachments(self, tracking: str) -> list[StoredAttachment]: ...
    def attachment_content(self, tracking: str, sha256: str) -> bytes: ...
    def add_message(self, tracking: str, author: str, body: str, at: dt.datetime) -> None: ...
    def messages(self, tracking: str) -> list[IntakeMessage]: ...
    def add_mailing(self, mailing: Mailing) -> None: ...
    def mailings(self, tracking: str) -> list[Mailing]: ...
    def add_receipt(
        self, at: dt.datetime, channel: str, source_address: str, size: int, tracking: str
    ) -> None: ...
    def receipts(self, limit: int) -> list[Receipt]: ...
    def purge_receipts(self, before: dt.datetime) -> int: ...
    def hit(self, source_address: str, window: int) -> int: ...


class IdempotencyStore(Protocol):
    def get(self, scope: str, key: str) -> StoredResponse | None: ...
    def put(self, scope: str, key: str, response: StoredResponse, now: dt.datetime) -> None: ...
    def purge(self, before: dt.datetime) -> int: ...


class KeyMaintenance(Protocol):
    """Re-encryption of every encrypted column under the keyring's current key."""

    def current_key(self) -> str: ...
    def rotate_file(self, path: str) -> str: ...
    def drop_old_keys(self, path: str) -> list[str]: ...
    def columns(self) -> list[str]: ...
    def unsupported(self) -> list[str]: ...
    def usage(self) -> dict[str, dict[str, int]]: ...
    def reencrypt_batch(self, column: str, limit: int) -> int: ...

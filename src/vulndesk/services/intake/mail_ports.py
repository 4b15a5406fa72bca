"""Ports and records for e-mail intake: a message as read from the mailbox, the mailbox, OpenPGP."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from vulndesk.services.intake.ports import Upload


@dataclass(frozen=True, slots=True)
class InboundMail:
    """One message as parsed (and decrypted); `key` is its idempotency key (the Message-ID,
    else a digest of the message) and `digest` the hash of what was received."""

    key: str
    digest: str
    sender: str
    subject: str
    body: str
    references: tuple[str, ...] = ()
    attachments: tuple[Upload, ...] = field(default_factory=tuple)
    language: str = "en"
    encrypted: bool = False


class Mailbox(Protocol):
    """The intake folder: messages in order, each moved away once its case is committed."""

    def pending(self, limit: int) -> list[tuple[str, bytes]]:
        """(uid, raw message) of messages still in the intake folder, oldest first."""
        ...

    def done(self, uid: str) -> None:
        """Move the message to the processed folder."""
        ...


class MailCrypto(Protocol):
    """The organisation's OpenPGP key: decrypts reports, encrypts acknowledgements."""

    def decrypt(self, data: bytes) -> bytes: ...
    def encrypt(self, text: str, address: str, keys: Sequence[str]) -> str | None:
        """`text` encrypted to the first usable key (given ones first, then the keyring's
        key for `address`), or None when there is none."""
        ...

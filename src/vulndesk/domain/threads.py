"""The threads of a coordinated case: messages, their files and per-thread counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MessageFile:
    """A file attached to a thread message: its name, sniffed type, size and SHA-256."""

    message: int
    name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of a case's shared thread (`participant` None) or a private one."""

    id: int
    case: str
    participant: int | None
    author: str
    at: dt.datetime
    body: str
    sha256: str
    files: tuple[MessageFile, ...] = ()


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    """How many messages a thread holds and when the last came."""

    participant: int | None
    count: int
    last_at: dt.datetime | None

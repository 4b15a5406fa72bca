"""Audit events and their SHA-256 hash chain: any change to history breaks the chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who did what to which object, when, from where. `tag` reads `source:subject:action`."""

    at: dt.datetime
    actor: str
    tag: str
    object_type: str
    object_id: str
    fields: tuple[str, ...] = ()
    source: str = ""
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChainedEvent:
    """An event with its position and hashes as stored."""

    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str


def canonical(seq: int, event: AuditEvent, prev_hash: str) -> bytes:
    """The exact bytes hashed for an event; stable across engines and Python versions."""
    body = {
        "seq": seq,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "tag": event.tag,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "fields": list(event.fields),
        "source": event.source,
        "detail": dict(sorted(event.detail.items())),
        "prev": prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(seq: int, event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(canonical(seq, event, prev_hash)).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """`first_bad` is the seq of the first event that does not verify, or None."""

    ok: bool
    checked: int
    first_bad: int | None
    problem: str
    head: str


def verify_chain(
    events: Iterable[ChainedEvent], *, start_prev: str = GENESIS, start_seq: int = 1
) -> VerifyResult:
    """Walk the chain in order; report the first modified, missing, inserted or reordered event."""
    prev, expected_seq, count = start_prev, start_seq, 0
    for item in events:
        count += 1
        if item.seq != expected_seq:
            kind = "missing or reordered" if item.seq > expected_seq else "inserted or reordered"
            return VerifyResult(
                False,
                count,
                expected_seq,
                f"expected seq {expected_seq}, found {item.seq} ({kind})",
                prev,
            )
        if item.prev_hash != prev:
            return VerifyResult(
                False, count, item.seq, "prev_hash does not match the previous event", prev
            )
        if chain_hash(item.seq, item.event, prev) != item.hash:
            return VerifyResult(
                False, count, item.seq, "event content does not match its hash", prev
            )
        prev, expected_seq = item.hash, expected_seq + 1
    return VerifyResult(True, count, None, "", prev)

"""Fast audit-chain verification over stored rows, with the domain's exact check as referee.

Hashing a million events through `AuditEvent` objects spends most of its time building
objects and re-encoding JSON. Here each stored row becomes the canonical bytes of
`domain.audit.canonical` by string assembly; a row whose bytes do not match its hash is then
re-read and checked the exact way, so a verdict never rests on the fast path alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any, Protocol, runtime_checkable

from vulndesk.domain.audit import GENESIS, ChainedEvent, VerifyResult, chain_hash
from vulndesk.domain.evidence import BOUND_TAG, DELETED, MODIFIED, UNBOUND, RowMismatch
from vulndesk.services.context import Deps
from vulndesk.services.ports import AuditLog

BATCH = 50_000

# "<table>:<pk>" -> (digest, seq of the event that bound it), the newest binding of each row.
Bindings = dict[str, tuple[str, int]]

# (seq, at as canonical UTC ISO text, actor, tag, object_type, object_id,
#  fields JSON text, source, detail JSON text, prev_hash, hash)
RawEvent = tuple[Any, ...]


@runtime_checkable
class AuditChainReader(Protocol):
    """An audit log that can hand out its stored rows without building events."""

    def chain_rows(self, start: int, end: int) -> Iterator[RawEvent]: ...


@runtime_checkable
class EvidenceReader(Protocol):
    """An audit log that can read its stored head and the digests of the evidence rows."""

    def stored_head(self) -> tuple[int, str] | None: ...

    def evidence_rows(self) -> Iterator[tuple[str, str, str]]: ...


def collect(bindings: Bindings | None, seq: int, detail: object) -> None:
    """Keep the digests an evidence-binding event holds (`detail` as a mapping or JSON text)."""
    if bindings is None:
        return
    items = json.loads(detail) if isinstance(detail, str) else detail
    if isinstance(items, dict):
        for key, digest in items.items():
            bindings[str(key)] = (str(digest), seq)


def collect_events(bindings: Bindings | None, events: Iterable[ChainedEvent]) -> None:
    for item in events:
        if item.event.tag == BOUND_TAG:
            collect(bindings, item.seq, dict(item.event.detail))


_json_cache: dict[str, str] = {}


def _canonical_json(text: str) -> str:
    """Stored JSON text re-encoded the way `canonical` encodes it (compact, sorted, UTF-8)."""
    hit = _json_cache.get(text)
    if hit is None:
        hit = json.dumps(
            json.loads(text), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        if len(_json_cache) > 4096:  # detail values vary; field lists repeat
            _json_cache.clear()
        _json_cache[text] = hit
    return hit


def _exact_ok(log: AuditLog, seq: int, prev: str, stored_hash: str) -> bool:
    events = log.events(seq, seq)
    return bool(events) and chain_hash(seq, events[0].event, prev) == stored_hash


def check_rows(
    log: AuditLog,
    rows: Iterable[RawEvent],
    prev: str,
    expected: int,
    bindings: Bindings | None = None,
) -> tuple[VerifyResult, int]:
    """`domain.audit.verify_chain` over raw rows; returns the result and the next expected seq.

    The canonical text is assembled inline, keys in sorted order, because a function call
    per event is a measurable share of verifying a million of them.
    """
    count, cached, sha256, enc = 0, _json_cache.get, hashlib.sha256, encode_basestring
    for row in rows:
        count += 1
        seq, at, actor, tag, otype, oid, fields, source, detail, prev_hash, stored = row
        if seq != expected:
            kind = "missing or reordered" if seq > expected else "inserted or reordered"
            problem = f"expected seq {expected}, found {seq} ({kind})"
            return VerifyResult(False, count, expected, problem, prev), expected
        if prev_hash != prev:
            problem = "prev_hash does not match the previous event"
            return VerifyResult(False, count, seq, problem, prev), expected
        try:
            text = (
                f'{{"actor":{enc(actor)},"at":{enc(at)},'
                f'"detail":{cached(detail) or _canonical_json(detail)},'
                f'"fields":{cached(fields) or _canonical_json(fields)},'
                f'"object_id":{enc(oid)},"object_type":{enc(otype)},"prev":{enc(prev)},'
                f'"seq":{int(seq)},"source":{enc(source)},"tag":{enc(tag)}}}'
            )
            fast = sha256(text.encode()).hexdigest() == stored
        except (TypeError, ValueError):  # stored text the fast path cannot read
            fast = False
        if not fast and not _exact_ok(log, seq, prev, stored):
            problem = "event content does not match its hash"
            return VerifyResult(False, count, seq, problem, prev), expected
        if tag == BOUND_TAG:
            collect(bindings, seq, detail)
        prev, expected = stored, expected + 1
    return VerifyResult(True, count, None, "", prev), expected


def verify_rows(
    deps: Deps, batch: int = BATCH, bindings: Bindings | None = None
) -> tuple[VerifyResult, int] | None:
    """Walk the chain by seq ranges until a range comes back short; None without raw rows.

    Returns the result so far and the seq after the last one checked: the caller looks
    beyond it for stray later events.
    """
    prev, start, checked = GENESIS, 1, 0
    while True:
        with deps.uow() as uow:
            log = uow.audit
            if not isinstance(log, AuditChainReader):
                return None
            rows = log.chain_rows(start, start + batch - 1)
            result, start = check_rows(log, rows, prev, start, bindings)
        checked += result.checked
        prev = result.head
        if not result.ok or result.checked < batch:
            verdict = VerifyResult(result.ok, checked, result.first_bad, result.problem, prev)
            return verdict, start


def check_head(deps: Deps, chain: VerifyResult) -> VerifyResult:
    """The stored head row must name the last event of an intact chain: deleting the newest
    events, or all of them, leaves it pointing past the end."""
    with deps.uow() as uow:
        log = uow.audit
        if not isinstance(log, EvidenceReader):
            return chain
        head = log.stored_head()
    if head is None or head == (chain.checked, chain.head):
        return chain
    seq = head[0]
    if seq != chain.checked:
        problem = (
            f"the stored head names seq {seq} but the chain ends at seq {chain.checked}"
            f" ({'events deleted' if seq > chain.checked else 'events added without the head'})"
        )
        return VerifyResult(False, chain.checked, chain.checked + 1, problem, chain.head)
    problem = f"the stored head's hash at seq {seq} differs from the last event's (rewritten)"
    return VerifyResult(False, chain.checked, seq, problem, chain.head)


def check_evidence(deps: Deps, chain: VerifyResult, bindings: Bindings) -> VerifyResult:
    """Every evidence row's digest against the newest event that bound it; names the first
    row that differs, then the first bound row that is gone."""
    with deps.uow() as uow:
        log = uow.audit
        if not isinstance(log, EvidenceReader):
            return chain
        bad = _first_mismatch(log.evidence_rows(), bindings)
    if bad is None:
        return chain
    return VerifyResult(False, chain.checked, bad.seq, bad.describe(), chain.head)


def _first_mismatch(rows: Iterable[tuple[str, str, str]], bindings: Bindings) -> RowMismatch | None:
    left = dict(bindings)
    for table, pk, digest in rows:
        bound = left.pop(f"{table}:{pk}", None)
        if bound is None:
            return RowMismatch(table, pk, UNBOUND, None)
        if bound[0] != digest:
            return RowMismatch(table, pk, MODIFIED, bound[1])
    if left:
        key, (_digest, seq) = min(left.items(), key=lambda item: item[1][1])
        table, _, pk = key.partition(":")
        return RowMismatch(table, pk, DELETED, seq)
    return None

"""The deadline worker: sweep clocks into overdue marks and escalations, dispatch the outbox.

Escalations go through the outbox under a unique dedupe key, so a sweep may run any number
of times, after any downtime, on any number of workers, and each escalation is queued once;
`escalations.py` sends each to its recipients. The handlers and producers come from the
container (`Deps.outbox`), never from module state.

The delivery contract (decision 0021): a handler that returns a reason, or a sender that raises
`DeliveryRefused`, fails the row for good after that one attempt, its reason starting with
`refused: `; `DeliveryFailed` (and any unexpected error) is retried with exponential backoff
until `max_attempts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.background.ports import LiveDeadline, OutboxMessage
from vulndesk.services.context import Acts, Deps, Handler, OutboxRoutes, Producer
from vulndesk.services.notify import escalations
from vulndesk.services.notify.ports import DeliveryFailed, DeliveryRefused
from vulndesk.services.ports import UnitOfWork

THRESHOLDS = (50, 80, 100)
SWEEP = "deadline-sweep"
_LIVE = {ObligationStatus.OPEN, ObligationStatus.OVERDUE}
# Rows recomputed by a transaction that committed late may carry an earlier updated_at.
SYNC_OVERLAP = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SweepReport:
    ran: bool
    synced: int = 0
    queued: int = 0
    overdue: int = 0


@dataclass(frozen=True, slots=True)
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0


def threshold_at(trigger: dt.datetime, due: dt.datetime, pct: int) -> dt.datetime:
    """The instant `pct` percent of the window from trigger to due has elapsed."""
    window = due - trigger
    if window <= dt.timedelta(0):
        return due
    return trigger + window * pct / 100


def next_escalation(item: LiveDeadline, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the sweep should next look at `item` (the first threshold after `now`)."""
    if item.status not in _LIVE or not item.is_deadline or item.due_at is None:
        return None
    upcoming = [threshold_at(item.trigger_at, item.due_at, p) for p in THRESHOLDS]
    later = [t for t in upcoming if now is None or t > now]
    return min(later) if later else None


def dedupe_key(item: LiveDeadline, due: dt.datetime, pct: int) -> str:
    return f"{item.case}/{item.obligation_id}/{due.astimezone(dt.UTC).isoformat()}/{pct}"


def sweep(deps: Deps, actor: Acts, *, batch: int = 1000) -> SweepReport:
    """One pass: schedule recomputed deadlines, queue crossed thresholds, mark overdue."""
    now = deps.clock.now()
    with deps.uow() as uow:
        mark = uow.sweep.lock_sweep(SWEEP, now)
        if mark is None:
            return SweepReport(ran=False)
        synced = _sync(uow, mark - SYNC_OVERLAP, batch)
        queued = _queue(uow, now, batch)
        overdue = _mark_overdue(uow, actor, now, batch)
        uow.sweep.set_watermark(SWEEP, now)
        uow.commit()
    return SweepReport(True, synced, queued, overdue)


def _sync(uow: UnitOfWork, since: dt.datetime, batch: int) -> int:
    cursor, count = (since, 0), 0
    while True:
        items = uow.sweep.changed(cursor, batch)
        uow.sweep.schedule([(i.pk, next_escalation(i)) for i in items])
        count += len(items)
        if len(items) < batch:
            return count
        cursor = (items[-1].updated_at, items[-1].pk)


def _queue(uow: UnitOfWork, now: dt.datetime, batch: int) -> int:
    queued = 0
    while True:
        items, orphans = uow.sweep.scheduled_due(now, batch)
        uow.sweep.schedule([(pk, None) for pk in orphans])
        for item in items:
            if item.status in _LIVE and item.is_deadline and item.due_at is not None:
                queued += _enqueue_crossed(uow, item, item.due_at, now)
        uow.sweep.schedule([(i.pk, next_escalation(i, now)) for i in items])
        if len(items) + len(orphans) < batch:
            return queued


def _enqueue_crossed(
    uow: UnitOfWork, item: LiveDeadline, due: dt.datetime, now: dt.datetime
) -> int:
    added = 0
    for pct in THRESHOLDS:
        if threshold_at(item.trigger_at, due, pct) <= now:
            # Only keys travel: the case's own words stay in the case.
            payload = {
                "case": item.case,
                "obligation": item.obligation_id,
                "due_at": due.isoformat(),
                "threshold": pct,
            }
            added += uow.outbox.enqueue("escalation", dedupe_key(item, due, pct), payload, now)
    return added


def _mark_overdue(uow: UnitOfWork, actor: Acts, now: dt.datetime, batch: int) -> int:
    total = 0
    while True:
        items = uow.sweep.past_due_open(now, batch)
        uow.sweep.mark_overdue([i.pk for i in items], now)
        for i in items:
            uow.audit.append(
                actor.event(
                    now,
                    AuditTag.WORKER_OBLIGATION_OVERDUE,
                    "case",
                    i.case,
                    obligation=i.obligation_id,
                )
            )
        total += len(items)
        if len(items) < batch:
            return total


def deliver_escalation(
    uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts
) -> str | None:
    """Queue the escalation to each of its recipients, or record it undeliverable."""
    return escalations.fan_out(uow, msg, now, actor)


def routes(
    handlers: Mapping[str, Handler], producers: Mapping[str, Producer] | None = None
) -> OutboxRoutes:
    """The worker's routes: the escalation fan-out plus the given handlers and producers."""
    return OutboxRoutes({"escalation": deliver_escalation, **handlers}, dict(producers or {}))


def backoff(attempts: int, base: dt.timedelta = dt.timedelta(seconds=30)) -> dt.timedelta:
    """Exponential backoff after the `attempts`-th failure, capped at six hours."""
    return min(base * (1 << min(max(attempts - 1, 0), 20)), dt.timedelta(hours=6))


def dispatch(
    deps: Deps,
    actor: Acts,
    handlers: Mapping[str, Handler] | None = None,
    *,
    lease: dt.timedelta = dt.timedelta(minutes=5),
    batch: int = 50,
    max_attempts: int = 8,
) -> DispatchReport:
    """Claim due outbox rows and hand each to its kind's handler (`deps.outbox` unless given);
    a sent row is marked sent in the handler's transaction."""
    handlers = deps.outbox.handlers if handlers is None else handlers
    now = deps.clock.now()
    with deps.uow() as uow:
        claimed = uow.outbox.claim(actor.name, now, now + lease, batch)
        uow.commit()
    counts = {"sent": 0, "retried": 0, "failed": 0, "lost": 0}
    for msg in claimed:
        counts[_deliver(deps, actor, handlers, msg, max_attempts)] += 1
    return DispatchReport(len(claimed), **counts)


def _deliver(
    deps: Deps, actor: Acts, handlers: Mapping[str, Handler], msg: OutboxMessage, max_attempts: int
) -> str:
    now = deps.clock.now()
    try:
        with deps.uow() as uow:
            held = uow.outbox.lock_claimed(msg.id, actor.name)
            if held is None:
                return "lost"
            refused = _handler(handlers, held.kind)(uow, held, now, actor)
            if refused is not None:
                uow.outbox.mark_retry(held.id, refused, now, failed=True)
                uow.commit()
                return "failed"
            uow.outbox.mark_sent(held.id, now)
            uow.commit()
            return "sent"
    except DeliveryRefused as exc:
        return _fail(deps, actor, msg, f"refused: {exc}", now)
    except DeliveryFailed as exc:
        return _retry(deps, actor, msg, str(exc), now, max_attempts)
    except Exception as exc:  # noqa: BLE001 - an unexpected failure is retried, not fatal to the loop
        return _retry(deps, actor, msg, f"{type(exc).__name__}: {exc}", now, max_attempts)


def _retry(
    deps: Deps, actor: Acts, msg: OutboxMessage, reason: str, now: dt.datetime, max_attempts: int
) -> str:
    """A failure that may pass: tried again after `backoff`, failed for good at `max_attempts`."""
    failed = msg.attempts >= max_attempts
    with deps.uow() as uow:
        if uow.outbox.lock_claimed(msg.id, actor.name) is None:
            return "lost"
        uow.outbox.mark_retry(msg.id, reason, now + backoff(msg.attempts), failed=failed)
        uow.commit()
    return "failed" if failed else "retried"


def _fail(deps: Deps, actor: Acts, msg: OutboxMessage, reason: str, now: dt.datetime) -> str:
    """A permanent failure: recorded with its reason, never retried."""
    with deps.uow() as uow:
        if uow.outbox.lock_claimed(msg.id, actor.name) is None:
            return "lost"
        uow.outbox.mark_retry(msg.id, reason, now, failed=True)
        uow.commit()
    return "failed"


def _handler(handlers: Mapping[str, Handler], kind: str) -> Handler:
    found = handlers.get(kind)
    if found is None:
        raise LookupError(f"no handler for outbox kind {kind!r}")
    return found


def run_once(deps: Deps, actor: Acts) -> tuple[SweepReport, DispatchReport]:
    """One sweep, then dispatch until the outbox has nothing ready."""
    swept = sweep(deps, actor)
    for produce in deps.outbox.producers.values():
        produce(deps, actor)
    total = DispatchReport()
    while True:
        got = dispatch(deps, actor)
        total = DispatchReport(*(a + b for a, b in zip(_counts(total), _counts(got), strict=True)))
        if got.claimed == 0:
            return swept, total


def _counts(r: DispatchReport) -> tuple[int, ...]:
    return (r.claimed, r.sent, r.retried, r.failed, r.lost)

"""What must hold after crashes: nothing acknowledged lost, nothing twice, every store intact."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import Connection, func, select, text

from tests.crash.harness import Stack, report_body
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.repositories.intake import response_context
from vulndesk.adapters.storage.tables.background import escalations, outbox
from vulndesk.adapters.storage.tables.core import audit_events, audit_head, cases, obligations
from vulndesk.adapters.storage.tables.intake import (
    idempotency_keys,
    intake_receipts,
    intake_reports,
)
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.background import worker
from vulndesk.services.context import Actor
from vulndesk.services.notify import escalations as escalations_service

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PREFIX = "crash-test "


def _rows(conn: Connection, stmt: Any) -> list[Any]:
    return list(conn.execute(stmt))


def _opened(c: Container, row: Any) -> str:
    """A stored response, opened as its repository opens it (it is sealed at rest)."""
    context = response_context(row.scope, row.key, row.request_hash, int(row.status))
    return c.cipher.decrypt_text(row.body_enc, context)


def check_intake(stack: Stack, acked: dict[str, str]) -> None:
    """Each acknowledged key: one report, its case and its receipt; no report for other keys."""
    c = stack.container()
    try:
        with c.engine.connect() as conn:
            reports = _rows(conn, select(intake_reports))
            by_case = {
                r.key: r.intake_id for r in _rows(conn, select(cases.c.key, cases.c.intake_id))
            }
            receipts = Counter(r.tracking for r in _rows(conn, select(intake_receipts.c.tracking)))
            idem = {
                r.key: json.loads(_opened(c, r))["tracking"]
                for r in _rows(conn, select(idempotency_keys))
                if r.scope.startswith("intake:")
            }
    finally:
        c.close()
    per_key = Counter(r.product.removeprefix(PREFIX) for r in reports)
    doubled = {k: n for k, n in per_key.items() if n > 1}
    assert not doubled, f"keys stored more than once: {doubled}"
    assert set(per_key) == set(acked), (
        f"lost: {sorted(set(acked) - set(per_key))[:5]}; "
        f"unacknowledged: {sorted(set(per_key) - set(acked))[:5]}"
    )
    for r in reports:
        key = r.product.removeprefix(PREFIX)
        assert acked[key] == r.tracking, f"{key} acknowledged as {acked[key]}, stored {r.tracking}"
        assert by_case.get(r.case_key) == r.tracking, f"{r.tracking}: case {r.case_key} missing"
        assert receipts[r.tracking] == 1, f"{r.tracking}: {receipts[r.tracking]} receipts"
    intake_cases = sorted(t for t in by_case.values() if t)
    assert intake_cases == sorted(r.tracking for r in reports), "cases without a report"
    assert idem == acked, "idempotency records differ from what clients were told"


def check_replay(bases: list[str], acked: dict[str, str], sample: int = 20) -> None:
    """Re-sending an acknowledged key, to any app process, replays the first answer."""
    with httpx.Client(timeout=15) as client:
        for n, (key, tracking) in enumerate(sorted(acked.items())[:sample]):
            resp = client.post(
                bases[n % len(bases)] + "/api/v1/intake",
                json=report_body(key),
                headers={"Idempotency-Key": key},
            )
            assert resp.status_code == 201, resp.text
            assert resp.headers.get("Idempotent-Replayed") == "true"
            assert resp.json()["tracking"] == tracking


def check_integrity(stack: Stack) -> None:
    """The engine's own check on SQLite, and cross-table consistency on both engines."""
    c = stack.container()
    try:
        with c.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
                assert _rows(conn, text("PRAGMA foreign_key_check")) == []
            head = conn.execute(select(audit_head.c.seq)).scalar()
            count, top = conn.execute(
                select(func.count(), func.max(audit_events.c.seq)).select_from(audit_events)
            ).one()
            assert head == count == top, f"audit head {head}, {count} events, last seq {top}"
            orphans = conn.execute(
                select(func.count())
                .select_from(intake_reports)
                .outerjoin(cases, cases.c.key == intake_reports.c.case_key)
                .where(cases.c.id.is_(None))
            ).scalar()
            assert orphans == 0, f"{orphans} reports without a case"
            stray = conn.execute(
                select(func.count())
                .select_from(escalations)
                .outerjoin(outbox, outbox.c.dedupe_key == escalations.c.dedupe_key)
                .where(outbox.c.id.is_(None))
            ).scalar()
            assert stray == 0, f"{stray} escalations that were never queued"
    finally:
        c.close()


def audit_verify(stack: Stack) -> str:
    proc = stack.cli("audit", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("OK: ")
    return proc.stdout.strip()


def drain_outbox(stack: Stack, lease: dt.timedelta = dt.timedelta(minutes=6)) -> int:
    """A final sweep, then dispatch once the leases held by killed workers have run out.

    Returns how many rows killed workers had claimed and left behind.
    """
    c = stack.container()
    try:
        with c.engine.connect() as conn:
            orphaned = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status == "claimed")
            ).scalar_one()
    finally:
        c.close()
    proc = stack.cli("worker", "--once")
    assert proc.returncode == 0, proc.stderr
    clock = SettableClock(dt.datetime.now(dt.UTC) + lease)
    c = build(Settings.from_env(stack.env), clock)
    try:
        while worker.dispatch(c.deps(), Actor("worker@drain", "worker")).claimed:
            pass
    finally:
        c.close()
    return int(orphaned)


def check_outbox(stack: Stack, *, all_sent: bool = True) -> int:
    """Every escalation recorded at most once; with `all_sent`, every queued one handled.

    An escalation is recorded per recipient (its `escalation.mail`/`.webhook` row sent) or, with
    no recipient, once as undeliverable (its `escalation` row failed with that reason).
    """
    c = stack.container()
    try:
        with c.engine.connect() as conn:
            queued = _rows(
                conn,
                select(outbox.c.kind, outbox.c.dedupe_key, outbox.c.status, outbox.c.last_error),
            )
            sent = Counter(r.dedupe_key for r in _rows(conn, select(escalations.c.dedupe_key)))
            events = _rows(
                conn,
                select(audit_events.c.tag, audit_events.c.object_id, audit_events.c.detail).where(
                    audit_events.c.tag.in_([*RECORDED, "worker:obligation:overdue"])
                ),
            )
    finally:
        c.close()
    assert not [k for k, n in sent.items() if n > 1], "an escalation was delivered twice"
    delivered = Counter(
        (
            e.object_id,
            e.detail["obligation"],
            e.detail.get("threshold"),
            e.detail.get("recipient"),
            e.tag,
        )
        for e in events
    )
    twice = [k for k, n in delivered.items() if n > 1]
    assert not twice, f"audited twice: {twice[:5]}"
    in_queue = Counter(r.dedupe_key for r in queued)
    assert not [k for k, n in in_queue.items() if n > 1], "a dedupe key queued twice"
    if all_sent:
        unsent = [r for r in queued if not _handled(r)]
        assert not unsent, f"{len(unsent)} outbox rows not sent: {unsent[:3]}"
        assert set(sent) == {r.dedupe_key for r in queued if _recorded(r)}
    n_delivered = sum(1 for e in events if e.tag in RECORDED)
    assert n_delivered == len(sent)
    return len(sent)


RECORDED = ("worker:escalation:delivered", "worker:escalation:undeliverable")


def _handled(row: Any) -> bool:
    """Sent, or an escalation with no recipient failed for that reason (never retried)."""
    undeliverable = row.kind == escalations_service.ESCALATION and (
        row.last_error == escalations_service.UNDELIVERABLE
    )
    return bool(row.status == "sent" or (row.status == "failed" and undeliverable))


def _recorded(row: Any) -> bool:
    """Rows whose handling records an escalation: a recipient's delivery, or undeliverable."""
    if row.kind in (escalations_service.MAIL, escalations_service.WEBHOOK):
        return bool(row.status == "sent")
    return bool(row.kind == escalations_service.ESCALATION and row.status == "failed")


def unswept(stack: Stack, at: dt.datetime) -> list[str]:
    """Thresholds crossed by `at` without an escalation, and deadlines past without a mark."""
    c = stack.container()
    try:
        with c.uow() as uow:
            items = uow.sweep.changed((EPOCH, 0), 1_000_000)
        with c.engine.connect() as conn:
            # The sweep's part: each crossed threshold queued (its delivery is check_outbox's).
            sent = {r.dedupe_key for r in _rows(conn, select(outbox.c.dedupe_key))}
            statuses = {
                r.id: r.status for r in _rows(conn, select(obligations.c.id, obligations.c.status))
            }
    finally:
        c.close()
    missing = []
    for item in items:
        if not item.is_deadline or item.due_at is None:
            continue
        if item.status not in {ObligationStatus.OPEN, ObligationStatus.OVERDUE}:
            continue
        for pct in worker.THRESHOLDS:
            if worker.threshold_at(item.trigger_at, item.due_at, pct) <= at:
                key = worker.dedupe_key(item, item.due_at, pct)
                if key not in sent:
                    missing.append(f"escalation {key}")
        if item.due_at < at and statuses[item.pk] != ObligationStatus.OVERDUE.value:
            missing.append(f"overdue mark {item.case}/{item.obligation_id}")
    return missing


def crossed(stack: Stack, at: dt.datetime) -> int:
    """How many thresholds of live deadlines `at` has crossed (so a test knows it tests some)."""
    c = stack.container()
    try:
        with c.uow() as uow:
            items = uow.sweep.changed((EPOCH, 0), 1_000_000)
    finally:
        c.close()
    return sum(
        1
        for i in items
        if i.is_deadline and i.due_at is not None
        for pct in worker.THRESHOLDS
        if worker.threshold_at(i.trigger_at, i.due_at, pct) <= at
    )

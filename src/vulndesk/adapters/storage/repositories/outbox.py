"""SQL outbox and escalation log: durable queued work claimed with leases, delivered once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.tables.background import escalations, outbox
from vulndesk.domain.ids import CaseKey
from vulndesk.services.background.ports import Escalation, OutboxMessage, OutboxStatus


def insert_ignoring(conn: Connection, table: Table, key: str, values: Mapping[str, Any]) -> bool:
    """Insert unless a row with the same unique `key` exists; True when a row was added."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])
    return conn.execute(stmt.returning(table.c[key])).first() is not None


class SqlOutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def enqueue(
        self, kind: str, dedupe_key: str, payload: Mapping[str, Any], now: dt.datetime
    ) -> bool:
        return insert_ignoring(
            self.conn,
            outbox,
            "dedupe_key",
            {
                "kind": kind,
                "dedupe_key": dedupe_key,
                "payload": dict(payload),
                "status": OutboxStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )

    def claim(
        self, worker: str, now: dt.datetime, until: dt.datetime, limit: int
    ) -> list[OutboxMessage]:
        """Pending rows whose time has come, and claims whose lease ran out, oldest first."""
        ready = and_(outbox.c.status == OutboxStatus.PENDING.value, outbox.c.next_attempt_at <= now)
        expired = and_(outbox.c.status == OutboxStatus.CLAIMED.value, outbox.c.claimed_until < now)
        stmt = (
            select(outbox.c.id)
            .where(or_(ready, expired))
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = [int(r.id) for r in self.conn.execute(stmt)]
        if not ids:
            return []
        self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(
                status=OutboxStatus.CLAIMED.value,
                claimed_by=worker,
                claimed_until=until,
                attempts=outbox.c.attempts + 1,
            )
        )
        rows = self.conn.execute(select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id))
        return [_message(r._mapping) for r in rows]

    def lock_claimed(self, message_id: int, worker: str) -> OutboxMessage | None:
        stmt = (
            select(outbox)
            .where(
                outbox.c.id == message_id,
                outbox.c.status == OutboxStatus.CLAIMED.value,
                outbox.c.claimed_by == worker,
            )
            .with_for_update()
        )
        row = self.conn.execute(stmt).first()
        return None if row is None else _message(row._mapping)

    def mark_sent(self, message_id: int, now: dt.datetime) -> None:
        self.conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(
                status=OutboxStatus.SENT.value, sent_at=now, claimed_until=None, last_error=None
            )
        )

    def mark_retry(
        self, message_id: int, error: str, next_at: dt.datetime, *, failed: bool
    ) -> None:
        status = OutboxStatus.FAILED if failed else OutboxStatus.PENDING
        self.conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(
                status=status.value,
                next_attempt_at=next_at,
                claimed_by=None,
                claimed_until=None,
                last_error=error[:2000],
            )
        )

    def list(self, status: OutboxStatus | None = None, limit: int = 100) -> list[OutboxMessage]:
        stmt = select(outbox).order_by(outbox.c.id).limit(limit)
        if status is not None:
            stmt = stmt.where(outbox.c.status == status.value)
        return [_message(r._mapping) for r in self.conn.execute(stmt)]

    def pending(self, prefix: str) -> bool:
        waiting = (OutboxStatus.PENDING.value, OutboxStatus.CLAIMED.value)
        stmt = (
            select(outbox.c.id)
            .where(
                outbox.c.status.in_(waiting),
                func.substr(outbox.c.dedupe_key, 1, len(prefix)) == prefix,
            )
            .limit(1)
        )
        return self.conn.execute(stmt).first() is not None


def _message(m: Any) -> OutboxMessage:
    return OutboxMessage(
        id=int(m["id"]),
        kind=m["kind"],
        dedupe_key=m["dedupe_key"],
        payload=dict(m["payload"]),
        status=OutboxStatus(m["status"]),
        attempts=int(m["attempts"]),
        next_attempt_at=m["next_attempt_at"],
        claimed_by=m["claimed_by"],
        claimed_until=m["claimed_until"],
        created_at=m["created_at"],
        sent_at=m["sent_at"],
        last_error=m["last_error"],
    )


class SqlEscalationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, escalation: Escalation) -> bool:
        added = insert_ignoring(
            self.conn,
            escalations,
            "dedupe_key",
            {
                "dedupe_key": escalation.dedupe_key,
                "case_key": escalation.case,
                "obligation_id": escalation.obligation_id,
                "due_at": escalation.due_at,
                "threshold": escalation.threshold,
                "delivered_at": escalation.delivered_at,
                "delivered_by": escalation.delivered_by,
                "status": escalation.status,
                "recipient": escalation.recipient,
                "channel": escalation.channel,
            },
        )
        if added:
            key = escalations.c.dedupe_key == escalation.dedupe_key
            evidence.note(self.conn, escalations, key)
        return added

    def list(self, limit: int = 100) -> list[Escalation]:
        stmt = select(escalations).order_by(escalations.c.id.desc()).limit(limit)
        return [
            Escalation(
                r.dedupe_key,
                CaseKey(r.case_key),
                r.obligation_id,
                r.due_at,
                int(r.threshold),
                r.delivered_at,
                r.delivered_by,
                r.status,
                r.recipient,
                r.channel,
            )
            for r in self.conn.execute(stmt)
        ]

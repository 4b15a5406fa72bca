"""The audit log adapter: appends hash-chained events under a lock on the chain's head."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from vulndesk.adapters.storage.tables import audit_events, audit_head
from vulndesk.domain.audit import AuditEvent, ChainedEvent, chain_hash


class SqlAuditLog:
    """Append-only, hash-chained audit events."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _head(self) -> tuple[int, str]:
        stmt = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
        if self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).first()
        if row is None:
            raise RuntimeError(
                "audit_head row missing: run `vulndesk init` to migrate the database"
            )
        return int(row.seq), str(row.hash)

    def append(self, event: AuditEvent) -> ChainedEvent:
        seq, prev = self._head()
        seq += 1
        digest = chain_hash(seq, event, prev)
        self.conn.execute(
            insert(audit_events).values(
                seq=seq,
                at=event.at,
                actor=event.actor,
                tag=event.tag,
                object_type=event.object_type,
                object_id=event.object_id,
                fields=list(event.fields),
                source=event.source,
                detail=dict(event.detail),
                prev_hash=prev,
                hash=digest,
            )
        )
        self.conn.execute(
            update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=digest)
        )
        return ChainedEvent(seq, event, prev, digest)

    def events(self, start: int = 1, end: int | None = None) -> list[ChainedEvent]:
        stmt = select(audit_events).where(audit_events.c.seq >= start).order_by(audit_events.c.seq)
        if end is not None:
            stmt = stmt.where(audit_events.c.seq <= end)
        return [row_to_event(r._mapping) for r in self.conn.execute(stmt)]

    def for_object(self, object_type: str, object_id: str, limit: int = 200) -> list[ChainedEvent]:
        stmt = (
            select(audit_events)
            .where(audit_events.c.object_type == object_type, audit_events.c.object_id == object_id)
            .order_by(audit_events.c.seq.desc())
            .limit(limit)
        )
        return [row_to_event(r._mapping) for r in self.conn.execute(stmt)]


def row_to_event(row: Any) -> ChainedEvent:
    event = AuditEvent(
        at=row["at"],
        actor=row["actor"],
        tag=row["tag"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        fields=tuple(row["fields"]),
        source=row["source"],
        detail=dict(row["detail"]),
    )
    return ChainedEvent(int(row["seq"]), event, row["prev_hash"], row["hash"])

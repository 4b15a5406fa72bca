"""The audit log adapter: appends hash-chained events under a lock on the chain's head."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from vulndesk.adapters.storage.tables import audit_events, audit_head
from vulndesk.domain.audit import AuditEvent, ChainedEvent, chain_hash

_INSERT = insert(audit_events)
_MOVE_HEAD = update(audit_head).where(audit_head.c.id == 1)
# Moves the head only if it is still where this process last saw it.
_CLAIM_HEAD = update(audit_head).where(
    audit_head.c.id == 1,
    audit_head.c.seq == bindparam("was_seq"),
    audit_head.c.hash == bindparam("was_hash"),
)
# The head each engine last wrote: a guess that saves reading the head on most appends.
_LAST_HEAD: WeakKeyDictionary[Engine, tuple[int, str]] = WeakKeyDictionary()


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

    def _claim(self, event: AuditEvent) -> tuple[int, str, str] | None:
        """Move the head past the guessed one; None when the guess is stale.

        The guarded UPDATE locks the head row like the SELECT ... FOR UPDATE it replaces, and
        it matches only if no other transaction or process appended since, so a wrong or
        rolled-back guess costs one extra statement, never a broken chain.
        """
        guess = _LAST_HEAD.get(self.conn.engine)
        if guess is None:
            return None
        seq, prev = guess[0] + 1, guess[1]
        digest = chain_hash(seq, event, prev)
        params = {"seq": seq, "hash": digest, "was_seq": guess[0], "was_hash": prev}
        if self.conn.execute(_CLAIM_HEAD, params).rowcount != 1:
            return None
        return seq, prev, digest

    def append(self, event: AuditEvent) -> ChainedEvent:
        claimed = self._claim(event)
        if claimed is None:
            seq, prev = self._head()
            seq += 1
            digest = chain_hash(seq, event, prev)
            self.conn.execute(_MOVE_HEAD, {"seq": seq, "hash": digest})
        else:
            seq, prev, digest = claimed
        self.conn.execute(
            _INSERT,
            {
                "seq": seq,
                "at": event.at,
                "actor": event.actor,
                "tag": event.tag,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "fields": list(event.fields),
                "source": event.source,
                "detail": dict(event.detail),
                "prev_hash": prev,
                "hash": digest,
            },
        )
        _LAST_HEAD[self.conn.engine] = (seq, digest)
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

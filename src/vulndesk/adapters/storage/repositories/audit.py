"""The audit log adapter: appends hash-chained events under a lock on the chain's head."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)

from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.tables.core import audit_events, audit_head
from vulndesk.domain.audit import AuditEvent, ChainedEvent, chain_hash
from vulndesk.domain.evidence import BOUND_TAG
from vulndesk.services.ports import AuditQuery

# Every append runs these: prebuilt and sent straight to the driver (see fast.py).
_INSERT = FastStatement(insert(audit_events))
_MOVE_HEAD = FastStatement(update(audit_head).where(audit_head.c.id == 1))
# Moves the head only if it is still where this process last saw it.
_CLAIM_HEAD = FastStatement(
    update(audit_head).where(
        audit_head.c.id == 1,
        audit_head.c.seq == bindparam("was_seq"),
        audit_head.c.hash == bindparam("was_hash"),
    )
)
_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
_READ_HEAD = FastStatement(_HEAD)
_LOCK_HEAD = FastStatement(_HEAD.with_for_update())
# Rows as stored, no type processing: the chain verifier hashes them without building events.
# SQLite keeps instants as "YYYY-MM-DD HH:MM:SS.ffffff" UTC text; PostgreSQL writes the
# canonical form itself. JSON columns come back as their stored text on both engines.
_RAW_COLUMNS = (
    audit_events.c.seq,
    audit_events.c.actor,
    audit_events.c.tag,
    audit_events.c.object_type,
    audit_events.c.object_id,
    cast(audit_events.c.fields, Text),
    audit_events.c.source,
    cast(audit_events.c.detail, Text),
    audit_events.c.prev_hash,
    audit_events.c.hash,
)
_PG_AT = func.to_char(func.timezone("UTC", audit_events.c.at), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
_SQLITE_TEXT = type_coerce(audit_events.c.at, String)
# Only text of exactly the shape SQLAlchemy writes is rewritten; anything else is handed on
# as stored, fails the fast check and goes to the exact one.
_SQLITE_AT = case(
    (
        (func.length(_SQLITE_TEXT) == 26) & (func.substr(_SQLITE_TEXT, 11, 1) == " "),
        func.substr(_SQLITE_TEXT, 1, 10) + "T" + func.substr(_SQLITE_TEXT, 12) + "+00:00",
    ),
    else_=_SQLITE_TEXT,
)
_FETCH = 2000
# The head each engine last wrote: a guess that saves reading the head on most appends.
_LAST_HEAD: WeakKeyDictionary[Engine, tuple[int, str]] = WeakKeyDictionary()


def _row(c: ChainedEvent) -> dict[str, Any]:
    event = c.event
    return {
        "seq": c.seq,
        "at": event.at,
        "actor": event.actor,
        "tag": event.tag,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "fields": list(event.fields),
        "source": event.source,
        "detail": dict(event.detail),
        "prev_hash": c.prev_hash,
        "hash": c.hash,
    }


class SqlAuditLog:
    """Append-only, hash-chained audit events.

    The first append of a transaction moves the head row, which locks it (PostgreSQL's row
    lock; SQLite's writer lock is held anyway). Later appends in the same transaction only
    chain on from the head kept here, and `flush` writes the head once: the unit of work calls
    it before COMMIT and before each savepoint, and puts the kept head back with the
    savepoint's rollback (`mark`, `restore`).
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        # The head as this transaction moved it, once the transaction holds the head row;
        # and the head the row says, which lags behind until `flush`.
        self._held: tuple[int, str] | None = None
        self._stored: tuple[int, str] | None = None
        self._last_at: dt.datetime | None = None

    def _head(self) -> tuple[int, str]:
        stmt = _LOCK_HEAD if self.conn.dialect.name == "postgresql" else _READ_HEAD
        row = stmt.execute(self.conn).first()
        if row is None:
            raise RuntimeError(
                "audit_head row missing: run `vulndesk init` to migrate the database"
            )
        return int(row[0]), str(row[1])

    def _chain(self, seq: int, prev: str, events: list[AuditEvent]) -> list[ChainedEvent]:
        """`events` chained after the event `seq` whose hash is `prev`."""
        chained = []
        for event in events:
            seq += 1
            digest = chain_hash(seq, event, prev)
            chained.append(ChainedEvent(seq, event, prev, digest))
            prev = digest
        return chained

    def _claim(self, events: list[AuditEvent]) -> list[ChainedEvent] | None:
        """Move the head past the guessed one; None when the guess is stale.

        The guarded UPDATE locks the head row like the SELECT ... FOR UPDATE it replaces, and
        it matches only if no other transaction or process appended since, so a wrong or
        rolled-back guess costs one extra statement, never a broken chain.
        """
        guess = _LAST_HEAD.get(self.conn.engine)
        if guess is None:
            return None
        chained = self._chain(guess[0], guess[1], events)
        last = chained[-1]
        params = {"seq": last.seq, "hash": last.hash, "was_seq": guess[0], "was_hash": guess[1]}
        if _CLAIM_HEAD.execute(self.conn, params).rowcount != 1:
            return None
        return chained

    def append(self, event: AuditEvent) -> ChainedEvent:
        return self.append_many([event])[0]

    def append_many(self, events: list[AuditEvent]) -> list[ChainedEvent]:
        """Append `events` in order: one insert for all of them, and a move of the head if
        this transaction has not moved it yet (else the head moves at `flush`)."""
        if not events:
            return []
        self._last_at = events[-1].at
        if self._held is not None:
            chained = self._chain(*self._held, events)
        else:
            claimed = self._claim(events)
            if claimed is None:
                claimed = self._chain(*self._head(), events)
                _MOVE_HEAD.execute(self.conn, {"seq": claimed[-1].seq, "hash": claimed[-1].hash})
            chained = claimed
            self._stored = (chained[-1].seq, chained[-1].hash)
        _INSERT.executemany(self.conn, [_row(c) for c in chained])
        self._held = _LAST_HEAD[self.conn.engine] = (chained[-1].seq, chained[-1].hash)
        return chained

    def bind_evidence(self) -> None:
        """Append one event binding the evidence rows this transaction wrote (their digests)."""
        bound = evidence.take_pending(self.conn)
        if not bound:
            return
        # The instant of the transaction's own events when there are any: storage has no clock.
        at = self._last_at or dt.datetime.now(dt.UTC)
        # The object id names how many rows: a list of tables could outgrow the column.
        event = AuditEvent(
            at,
            "vulndesk",
            BOUND_TAG,
            "evidence",
            f"{len(bound)} rows",
            source="storage",
            detail=bound,
        )
        self.append_many([event])

    def flush(self) -> None:
        """Bind the evidence rows written so far, then write the head this transaction has
        chained up to, if the row lags behind it."""
        self.bind_evidence()
        if self._held is not None and self._held != self._stored:
            _MOVE_HEAD.execute(self.conn, {"seq": self._held[0], "hash": self._held[1]})
            self._stored = self._held

    def mark(self) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
        """The kept head, flushed: what a savepoint taken now would go back to."""
        self.flush()
        return self._held, self._stored

    def restore(self, mark: tuple[tuple[int, str] | None, tuple[int, str] | None]) -> None:
        """Back to `mark` after ROLLBACK TO the savepoint it was taken for. A head first moved
        inside the savepoint is not held any more (its row lock may be gone with it). Evidence
        rows noted inside it went with the rollback."""
        self._held, self._stored = mark
        evidence.drop_pending(self.conn)

    def events(self, start: int = 1, end: int | None = None) -> list[ChainedEvent]:
        stmt = select(audit_events).where(audit_events.c.seq >= start).order_by(audit_events.c.seq)
        if end is not None:
            stmt = stmt.where(audit_events.c.seq <= end)
        return [row_to_event(r._mapping) for r in self.conn.execute(stmt)]

    def chain_rows(self, start: int, end: int) -> Iterator[tuple[Any, ...]]:
        """Stored events start..end in seq order as plain tuples (see services.audit_verify)."""
        pg = self.conn.dialect.name == "postgresql"
        at = _PG_AT if pg else _SQLITE_AT
        stmt = (
            select(*_RAW_COLUMNS[:1], at, *_RAW_COLUMNS[1:])
            .where(audit_events.c.seq >= start, audit_events.c.seq <= end)
            .order_by(audit_events.c.seq)
        )
        result = self.conn.execute(stmt)
        try:
            # The driver's cursor directly: SQLAlchemy's row objects cost more than the hashing.
            cursor = result.cursor
            while rows := cursor.fetchmany(_FETCH):
                yield from rows
        finally:
            result.close()

    def stored_head(self) -> tuple[int, str] | None:
        """The head row as stored: the seq and hash of the last event appended."""
        row = _READ_HEAD.execute(self.conn).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def evidence_rows(self) -> Iterator[tuple[str, str, str]]:
        """(table, pk, digest) of every stored evidence row (see storage.evidence)."""
        return evidence.digests(self.conn)

    def for_object(self, object_type: str, object_id: str, limit: int = 200) -> list[ChainedEvent]:
        stmt = (
            select(audit_events)
            .where(audit_events.c.object_type == object_type, audit_events.c.object_id == object_id)
            .order_by(audit_events.c.seq.desc())
            .limit(limit)
        )
        return [row_to_event(r._mapping) for r in self.conn.execute(stmt)]

    def search(self, query: AuditQuery) -> list[ChainedEvent]:
        """Newest first by seq; the (actor, seq), (tag, seq) and object indexes serve it."""
        stmt = select(audit_events)
        criteria = {
            audit_events.c.actor: query.actor,
            audit_events.c.tag: query.tag,
        }
        objects = object_match(query)
        if objects is not None:
            stmt = stmt.where(objects)
        for column, wanted in criteria.items():
            if wanted is not None:
                stmt = stmt.where(column == wanted)
        if query.since is not None:
            stmt = stmt.where(audit_events.c.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(audit_events.c.at < query.until)
        stmt = stmt.order_by(audit_events.c.seq.desc()).limit(query.limit).offset(query.offset)
        return [row_to_event(r._mapping) for r in self.conn.execute(stmt)]


def object_match(query: AuditQuery) -> ColumnElement[bool] | None:
    """The searched object, the objects related to it, and the ids it prefixes (None: any)."""
    kind, oid = audit_events.c.object_type, audit_events.c.object_id
    if query.object_type is None and query.object_id is None:
        return None
    own: list[ColumnElement[bool]] = []
    if query.object_type is not None:
        own.append(kind == query.object_type)
    if query.object_id is not None:
        own.append(oid == query.object_id)
    matches = [and_(*own)]
    by_type: dict[str, list[str]] = {}
    for related_type, related_id in query.related:
        by_type.setdefault(related_type, []).append(related_id)
    matches += [and_(kind == t, oid.in_(ids)) for t, ids in by_type.items()]
    if query.object_id is not None:
        start = query.object_id + "/"
        matches += [and_(kind == t, oid.startswith(start, autoescape=True)) for t in query.prefixed]
    return or_(*matches)


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

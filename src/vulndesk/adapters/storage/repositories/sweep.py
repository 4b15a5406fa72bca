"""SQL side of the deadline sweep: changed obligations, the escalation schedule, overdue marks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.outbox import insert_ignoring
from vulndesk.adapters.storage.tables.background import escalation_schedule, worker_state
from vulndesk.adapters.storage.tables.core import cases, obligations
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus, Timing
from vulndesk.services.background.ports import LiveDeadline

_COLUMNS = (
    obligations.c.id,
    cases.c.key.label("case_key"),
    obligations.c.obligation_id,
    obligations.c.status,
    obligations.c.trigger_at,
    obligations.c.due_at,
    obligations.c.timing,
    obligations.c.updated_at,
)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class SqlSweepRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock_sweep(self, name: str, now: dt.datetime) -> dt.datetime | None:
        insert_ignoring(self.conn, worker_state, "name", {"name": name, "at": _EPOCH})
        stmt = (
            select(worker_state.c.at)
            .where(worker_state.c.name == name)
            .with_for_update(skip_locked=True)
        )
        row = self.conn.execute(stmt).first()
        return None if row is None else row.at

    def set_watermark(self, name: str, at: dt.datetime) -> None:
        self.conn.execute(update(worker_state).where(worker_state.c.name == name).values(at=at))

    def changed(self, after: tuple[dt.datetime, int], limit: int) -> list[LiveDeadline]:
        at, pk = after
        stmt = (
            select(*_COLUMNS)
            .join(cases, cases.c.id == obligations.c.case_id)
            .where(
                obligations.c.updated_at >= at,
                or_(obligations.c.updated_at > at, obligations.c.id > pk),
            )
            .order_by(obligations.c.updated_at, obligations.c.id)
            .limit(limit)
        )
        return [_live(r._mapping) for r in self.conn.execute(stmt)]

    def schedule(self, items: Sequence[tuple[int, dt.datetime | None]]) -> None:
        gone = [pk for pk, at in items if at is None]
        if gone:
            self.conn.execute(
                delete(escalation_schedule).where(escalation_schedule.c.obligation_pk.in_(gone))
            )
        rows = [{"obligation_pk": pk, "next_at": at} for pk, at in items if at is not None]
        if rows:
            dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
            stmt = dialect.insert(escalation_schedule)
            self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["obligation_pk"], set_={"next_at": stmt.excluded.next_at}
                ),
                rows,
            )

    def scheduled_due(self, now: dt.datetime, limit: int) -> tuple[list[LiveDeadline], list[int]]:
        """Scheduled deadlines whose next escalation has come, and schedule rows left orphaned."""
        stmt = (
            select(escalation_schedule.c.obligation_pk.label("pk"), *_COLUMNS)
            .select_from(escalation_schedule)
            .outerjoin(obligations, obligations.c.id == escalation_schedule.c.obligation_pk)
            .outerjoin(cases, cases.c.id == obligations.c.case_id)
            .where(escalation_schedule.c.next_at <= now)
            .order_by(escalation_schedule.c.next_at)
            .limit(limit)
        )
        live, orphans = [], []
        for r in self.conn.execute(stmt):
            if r.id is None:
                orphans.append(int(r.pk))
            else:
                live.append(_live(r._mapping))
        return live, orphans

    def past_due_open(self, now: dt.datetime, limit: int) -> list[LiveDeadline]:
        stmt = (
            select(*_COLUMNS)
            .join(cases, cases.c.id == obligations.c.case_id)
            .where(
                and_(
                    obligations.c.status == ObligationStatus.OPEN.value,
                    obligations.c.due_at.is_not(None),
                    obligations.c.due_at < now,
                    obligations.c.timing == Timing.DEADLINE.value,
                )
            )
            .order_by(obligations.c.due_at)
            .limit(limit)
        )
        return [_live(r._mapping) for r in self.conn.execute(stmt)]

    def mark_overdue(self, pks: Sequence[int], now: dt.datetime) -> None:
        if pks:
            self.conn.execute(
                update(obligations)
                .where(
                    obligations.c.id.in_(list(pks)),
                    obligations.c.status == ObligationStatus.OPEN.value,
                )
                .values(status=ObligationStatus.OVERDUE.value, updated_at=now)
            )
            evidence.note_ids(self.conn, obligations, pks)


def _live(m: Any) -> LiveDeadline:
    return LiveDeadline(
        pk=int(m["id"]),
        case=CaseKey(m["case_key"]),
        obligation_id=m["obligation_id"],
        status=ObligationStatus(m["status"]),
        trigger_at=m["trigger_at"],
        due_at=m["due_at"],
        is_deadline=m["timing"] == Timing.DEADLINE.value,
        updated_at=m["updated_at"],
    )

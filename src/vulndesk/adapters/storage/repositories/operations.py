"""Operational figures read from the database for /metrics: queue depth, overdue work, lag."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, func, or_, select

from vulndesk.adapters.storage.tables.background import outbox
from vulndesk.adapters.storage.tables.core import obligations


def figures(engine: Engine, now: dt.datetime) -> dict[str, float]:
    """Outbox messages by status, obligations overdue, and the age of the oldest message the
    worker should already have sent (0 when it is keeping up)."""
    out: dict[str, float] = {}
    with engine.connect() as conn:
        for status, count in conn.execute(
            select(outbox.c.status, func.count()).group_by(outbox.c.status)
        ):
            out[f"outbox_{status}"] = float(count)
        overdue = or_(
            obligations.c.status == "overdue",
            and_(obligations.c.status == "open", obligations.c.due_at < now),
        )
        out["overdue_obligations"] = float(
            conn.execute(select(func.count()).select_from(obligations).where(overdue)).scalar_one()
        )
        oldest = conn.execute(
            select(func.min(outbox.c.next_attempt_at)).where(
                outbox.c.status == "pending", outbox.c.next_attempt_at <= now
            )
        ).scalar()
    if isinstance(oldest, str):  # SQLite hands back text for an aggregate
        oldest = dt.datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    out["worker_lag_seconds"] = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
    return out

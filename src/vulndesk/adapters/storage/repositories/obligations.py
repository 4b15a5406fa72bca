"""The SQL obligation repository: the stored clocks of every case and the due-soon query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Date, and_, bindparam, case, cast, func, insert, select, update

from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.repositories.case_queries import keys_in
from vulndesk.adapters.storage.repositories.cases import NEW_CASES
from vulndesk.adapters.storage.tables.core import cases, obligations
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import NotFound
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.domain.obligations import Obligation, ObligationStatus, Satisfier, Timing
from vulndesk.services.ports import DueFilter, LateCount, Outcome

_CASE_KEY = cases.c.key.label("case_key")
# Up to this many named cases, `due` reads from the cases rather than from the status index.
_FEW_CASES = 500
# Run on every case change: prebuilt (see fast.py).
_INSERT = FastStatement(insert(obligations))
_UPDATE = FastStatement(update(obligations).where(obligations.c.id == bindparam("pk")))
# Read on every case page and every clock recomputation.
_FOR_CASE = FastStatement(
    select(obligations, _CASE_KEY)
    .join(cases, cases.c.id == obligations.c.case_id)
    .where(cases.c.key == bindparam("wanted"))
    .order_by(obligations.c.obligation_id)
)


class SqlObligationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def for_case(self, key: CaseKey) -> list[CaseObligation]:
        return [_row(m) for m in _FOR_CASE.execute(self.conn, {"wanted": key}).mappings()]

    def replace_for_case(
        self, key: CaseKey, unit: UnitId, items: Sequence[CaseObligation], now: dt.datetime
    ) -> None:
        """Upsert by obligation id; obligations no longer produced are removed.

        One read of the stored rows, then one statement per kind of change: rows that did not
        change are left alone, new ones go in as one multi-row insert.
        """
        case_id, existing = self._stored(key)
        wanted = {item.id for item in items}
        # An obligation that no longer arises (a fact retracted, a rule set taken out of force)
        # stays on record as not applicable, so its history is never silently lost.
        gone = [
            int(m["id"])
            for name, m in existing.items()
            if name not in wanted and m["status"] != ObligationStatus.NOT_APPLICABLE.value
        ]
        if gone:
            self.conn.execute(
                update(obligations)
                .where(obligations.c.id.in_(gone))
                .values(status=ObligationStatus.NOT_APPLICABLE.value, updated_at=now)
            )
            evidence.note_ids(self.conn, obligations, gone)
        added, changed = [], []
        for item in items:
            values = _values(item, unit, now)
            stored = existing.get(item.id)
            if stored is None:
                added.append(values | {"case_id": case_id})
            elif any(stored[k] != v for k, v in values.items() if k != "updated_at"):
                changed.append(values | {"pk": int(stored["id"])})
        if added:
            _INSERT.executemany(self.conn, added)
            names = [v["obligation_id"] for v in added]
            where = (obligations.c.case_id == case_id) & obligations.c.obligation_id.in_(names)
            evidence.note(self.conn, obligations, where)
        if changed:
            _UPDATE.executemany(self.conn, changed)
            evidence.note_ids(self.conn, obligations, [v["pk"] for v in changed])

    def _stored(self, key: CaseKey) -> tuple[int, dict[str, Any]]:
        """The case's row id and its stored obligations by obligation id.

        A case created in this transaction has none yet, and its id is known: no read.
        """
        created = self.conn.info.get(NEW_CASES)
        if created is not None and created[0] is self.conn.get_transaction():
            case_id = created[1].pop(key, None)
            if case_id is not None:
                return case_id, {}
        stmt = (
            select(cases.c.id.label("case_pk"), obligations)
            .outerjoin(obligations, obligations.c.case_id == cases.c.id)
            .where(cases.c.key == key)
        )
        rows = self.conn.execute(stmt).all()
        if not rows:
            raise NotFound("case", key)
        return int(rows[0].case_pk), {r.obligation_id: r._mapping for r in rows if r.id is not None}

    def due(self, flt: DueFilter) -> list[CaseObligation]:
        """Soonest deadlines first. One index range scan per status, merged: an `IN (...)` over
        statuses would make the database gather and sort every matching row."""
        found: list[CaseObligation] = []
        # For a page's worth of named cases, the read starts from those cases (their key, then
        # their obligations): the status-and-due index would walk every clock of that status.
        by_case = flt.cases is not None and len(flt.cases) <= _FEW_CASES
        status_col = func.coalesce(obligations.c.status, "") if by_case else obligations.c.status
        for status in flt.statuses:
            stmt = (
                select(obligations, _CASE_KEY)
                .join(cases, cases.c.id == obligations.c.case_id)
                .where(
                    status_col == status.value,
                    obligations.c.due_at.is_not(None),
                    obligations.c.due_at <= flt.until,
                )
                .order_by(obligations.c.due_at, obligations.c.id)
                .limit(flt.limit)
            )
            if flt.unit:
                stmt = stmt.where(obligations.c.unit_id == flt.unit)
            if flt.cases is not None:
                stmt = stmt.where(keys_in(cases.c.key, flt.cases))
            if flt.skip_states:
                stmt = stmt.where(cases.c.state.not_in([s.value for s in flt.skip_states]))
            found.extend(_row(r._mapping) for r in self.conn.execute(stmt))
        found.sort(key=lambda o: (o.due or flt.until, o.case, o.id))
        return found[: flt.limit]

    def regulations(self, cases_: tuple[CaseKey, ...] | None) -> list[str]:
        o = obligations.c
        dated = and_(o.due_at.is_not(None), o.status != ObligationStatus.NOT_APPLICABLE.value)
        if cases_ is not None:
            stmt = (
                select(o.regulation)
                .join(cases, cases.c.id == o.case_id)
                .where(dated, keys_in(cases.c.key, cases_))
            )
            return sorted({str(r[0]) for r in self.conn.execute(stmt.distinct())})
        # Every case: step from one regulation to the next in `ix_obligations_regulation`
        # (a few index lookups per regulation, not a read of every clock) and keep those
        # with a dated clock that applies.
        found: list[str] = []
        after: str | None = None
        while True:
            step = select(func.min(o.regulation))
            if after is not None:
                step = step.where(o.regulation > after)
            after = self.conn.execute(step).scalar()
            if after is None:
                return found
            held = select(o.id).where(o.regulation == after, dated).limit(1)
            if self.conn.execute(held).first() is not None:
                found.append(str(after))

    def late_counts(self, unit: UnitId | None) -> list[LateCount]:
        o = obligations.c
        out: list[LateCount] = []
        for status in (ObligationStatus.OVERDUE, ObligationStatus.MET_LATE):
            # A clock's row carries its case's unit (written with every recompute, which
            # follows a unit change), so `ix_obligations_late` answers without reading a
            # case or a clock row.
            stmt = (
                select(o.unit_id, o.regulation, o.obligation_id, func.count())
                .where(o.status == status.value, o.due_at.is_not(None))
                .group_by(o.unit_id, o.regulation, o.obligation_id)
            )
            if unit:
                stmt = stmt.where(o.unit_id == unit)
            out.extend(
                LateCount(UnitId(r[0]), str(r[1]), str(r[2]), status, int(r[3]))
                for r in self.conn.execute(stmt)
            )
        return out

    def outcomes(
        self, since: dt.datetime, until: dt.datetime, cases_: tuple[CaseKey, ...] | None
    ) -> list[Outcome]:
        """Counted in the database per regulation, UTC day, status and punctuality: a few
        hundred rows however many clocks there are."""
        o = obligations.c
        if self.conn.dialect.name == "postgresql":
            day: Any = cast(func.timezone("UTC", o.due_at), Date)
        else:  # SQLite keeps instants as UTC text
            day = func.date(o.due_at)
        in_time = case((and_(o.met_at.is_not(None), o.met_at <= o.due_at), 1), else_=0)
        found: list[Outcome] = []
        for status in (ObligationStatus.MET, ObligationStatus.MET_LATE, ObligationStatus.OVERDUE):
            stmt = (  # one range scan of the status-and-due index each
                select(o.regulation, day.label("day"), in_time.label("in_time"), func.count())
                .where(o.status == status.value, o.due_at >= since, o.due_at <= until)
                .group_by(o.regulation, day, in_time)
            )
            if cases_ is not None:
                stmt = stmt.join(cases, cases.c.id == o.case_id).where(keys_in(cases.c.key, cases_))
            for r in self.conn.execute(stmt):
                on_day = r.day if isinstance(r.day, dt.date) else dt.date.fromisoformat(r.day)
                found.append(Outcome(str(r.regulation), on_day, status, bool(r.in_time), r[3]))
        return found


def _values(item: CaseObligation, unit: UnitId, now: dt.datetime) -> dict[str, Any]:
    ob = item.obligation
    return {
        "unit_id": unit,
        "obligation_id": ob.id,
        "regulation": ob.regulation,
        "article": ob.article,
        "action": ob.action,
        "action_zh": ob.action_zh,
        "recipient": ob.recipient,
        "trigger": ob.trigger.value,
        "trigger_at": ob.trigger_at,
        "timing": ob.timing.value,
        "due_at": ob.due,
        "period": ob.period,
        "timezone": ob.timezone,
        "satisfied_fact": ob.satisfied_by.fact.value if ob.satisfied_by.fact else None,
        "satisfied_disclosure": ob.satisfied_by.disclosure,
        "status": item.status.value,
        "met_at": item.met_at,
        "met_ref": item.met_ref,
        "waived_reason": item.waived_reason,
        "waived_by": list(item.waived_by),
        "interpretation": dict(ob.interpretation),
        "flags": list(ob.flags),
        "updated_at": now,
    }


def _row(m: Any) -> CaseObligation:
    import zoneinfo

    zone = zoneinfo.ZoneInfo(m["timezone"])
    due = m["due_at"].astimezone(zone) if m["due_at"] else None
    ob = Obligation(
        id=m["obligation_id"],
        regulation=m["regulation"],
        article=m["article"],
        action=m["action"],
        action_zh=m["action_zh"],
        recipient=m["recipient"],
        trigger=FactKind(m["trigger"]),
        trigger_at=m["trigger_at"].astimezone(zone),
        timing=Timing(m["timing"]),
        due=due,
        period=m["period"],
        timezone=m["timezone"],
        satisfied_by=Satisfier(
            FactKind(m["satisfied_fact"]) if m["satisfied_fact"] else None,
            m["satisfied_disclosure"],
        ),
        interpretation=dict(m["interpretation"]),
        flags=tuple(m["flags"]),
    )
    return CaseObligation(
        CaseKey(m["case_key"]),
        ob,
        ObligationStatus(m["status"]),
        m["met_at"],
        m["met_ref"],
        m["waived_reason"],
        tuple(m["waived_by"]),
    )

"""Reading cases by the hundred: their facts and transitions, or only their fact instants, in a
few set-based statements instead of one read per case (the exposure report, the what-if)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    LargeBinary,
    String,
    Subquery,
    Text,
    bindparam,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)

from vulndesk.adapters.storage.tables.core import case_facts, case_transitions, cases
from vulndesk.adapters.storage.types import UTCDateTime
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.services.ports import CaseInstants

# Keys per statement: far below SQLite's bound-parameter limit and PostgreSQL's.
CHUNK = 500
K = TypeVar("K", str, int)


def chunks(items: Collection[K], size: int = CHUNK) -> Iterator[list[K]]:
    """`items` sorted into lists of at most `size` (nothing for no items)."""
    ordered = sorted(items)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _typed_null(type_: Any) -> Any:
    return type_coerce(null(), type_)


def children(where: Callable[[], ColumnElement[bool]]) -> Subquery:
    """Facts and transitions of the cases `where` selects as one row set (`src` 0 = fact,
    1 = transition). Column types follow the first SELECT. Each branch finds its own cases:
    SQLite cannot push an outer join's condition into a UNION ALL, and would build the whole
    set of every case's facts for each read."""
    f, t = case_facts.c, case_transitions.c
    return union_all(
        select(
            literal(0).label("src"),
            f.case_id,
            f.id.label("c_id"),
            f.kind.label("c_kind"),
            _typed_null(String).label("c_to"),
            f.recorded_by.label("c_by"),
            f.at.label("c_at"),
            f.recorded_at.label("c_recorded_at"),
            f.evidence_enc.label("c_blob"),
            _typed_null(Text).label("c_reason"),
            f.revision.label("c_revision"),
        )
        .join(cases, cases.c.id == f.case_id)
        .where(where()),
        select(
            literal(1),
            t.case_id,
            t.id,
            t.from_state,
            t.to_state,
            t.by,
            t.at,
            _typed_null(UTCDateTime),
            _typed_null(LargeBinary),
            t.reason,
            _typed_null(Integer),
        )
        .join(cases, cases.c.id == t.case_id)
        .where(where()),
    ).subquery("children")


def _keys_in() -> ColumnElement[bool]:
    return cases.c.key.in_(bindparam("keys", expanding=True))


_MANY = children(_keys_in)
_MANY_CASES = (
    select(cases, *[c for c in _MANY.c if c.name != "case_id"])
    .outerjoin(_MANY, _MANY.c.case_id == cases.c.id)
    .where(_keys_in())
    .order_by(cases.c.key, _MANY.c.src, _MANY.c.c_id)
)
_INSTANTS = (
    select(cases.c.key, cases.c.unit_id, case_facts.c.kind, case_facts.c.revision, case_facts.c.at)
    .outerjoin(case_facts, case_facts.c.case_id == cases.c.id)
    .where(_keys_in())
)


def case_rows(conn: Connection, keys: Collection[CaseKey]) -> Iterator[list[Mapping[str, Any]]]:
    """The joined rows of each case of `keys` that exists (as `get` reads one), case by case."""
    for part in chunks(set(keys)):
        group: list[Mapping[str, Any]] = []
        for row in conn.execute(_MANY_CASES, {"keys": part}).mappings():
            if group and group[0]["key"] != row["key"]:
                yield group
                group = []
            group.append(dict(row))
        if group:
            yield group


def fact_instants(conn: Connection, keys: Collection[CaseKey]) -> dict[CaseKey, CaseInstants]:
    """The unit and current fact instants of each case of `keys` that exists: per kind the
    latest revision, left out when that revision retracted the instant (as `Case.instants`)."""
    latest: dict[str, dict[str, tuple[int, dt.datetime | None]]] = {}
    units: dict[str, str] = {}
    for part in chunks(set(keys)):
        for key, unit, kind, revision, at in conn.execute(_INSTANTS, {"keys": part}):
            units[key] = unit
            seen = latest.setdefault(key, {})
            if kind is not None and (kind not in seen or revision > seen[kind][0]):
                seen[kind] = (revision, at)
    return {
        CaseKey(key): CaseInstants(
            CaseKey(key),
            UnitId(units[key]),
            {FactKind(k): at for k, (_, at) in latest[key].items() if at is not None},
        )
        for key in units
    }

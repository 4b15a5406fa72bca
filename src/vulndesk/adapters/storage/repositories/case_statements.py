"""The statements of opening and of reading a case, prebuilt once (see fast.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    LargeBinary,
    String,
    Text,
    bindparam,
    insert,
    literal,
    null,
    select,
    type_coerce,
    union_all,
    update,
)

from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.tables.core import (
    case_counters,
    case_facts,
    case_products,
    case_transitions,
    cases,
)
from vulndesk.adapters.storage.types import UTCDateTime


def _typed_null(type_: Any) -> Any:
    return type_coerce(null(), type_)


# Facts and transitions of a case as one row set (`src` 0 = fact, 1 = transition), joined to
# the case row so a case is read with one statement. Column types follow the first SELECT.
# Each branch finds its own case by key: SQLite cannot push the outer join's condition into a
# UNION ALL, and would build the whole set of every case's facts for each read.
_f, _t = case_facts.c, case_transitions.c
_WANTED: BindParameter[str] = bindparam("wanted")
_CHILDREN = union_all(
    select(
        literal(0).label("src"),
        _f.case_id,
        _f.id.label("c_id"),
        _f.kind.label("c_kind"),
        _typed_null(String).label("c_to"),
        _f.recorded_by.label("c_by"),
        _f.at.label("c_at"),
        _f.recorded_at.label("c_recorded_at"),
        _f.evidence_enc.label("c_blob"),
        _typed_null(Text).label("c_reason"),
        _f.revision.label("c_revision"),
    )
    .join(cases, cases.c.id == _f.case_id)
    .where(cases.c.key == _WANTED),
    select(
        literal(1),
        _t.case_id,
        _t.id,
        _t.from_state,
        _t.to_state,
        _t.by,
        _t.at,
        _typed_null(UTCDateTime),
        _typed_null(LargeBinary),
        _t.reason,
        _typed_null(Integer),
    )
    .join(cases, cases.c.id == _t.case_id)
    .where(cases.c.key == _WANTED),
).subquery("children")
_CASE_WITH_CHILDREN = select(cases, *[c for c in _CHILDREN.c if c.name != "case_id"]).outerjoin(
    _CHILDREN, _CHILDREN.c.case_id == cases.c.id
)
# The statements of opening and of reading a case, prebuilt (see fast.py).
GET_CASE = FastStatement(
    _CASE_WITH_CHILDREN.where(cases.c.key == _WANTED).order_by(_CHILDREN.c.src, _CHILDREN.c.c_id)
)
INSERT_CASE = FastStatement(insert(cases).returning(cases.c.id))
INSERT_FACTS = FastStatement(insert(case_facts))
INSERT_TRANSITIONS = FastStatement(insert(case_transitions))
INSERT_PRODUCTS = FastStatement(insert(case_products))
# The parameter is not named `year`: that name is the column's, reserved for SET.
BUMP_COUNTER = FastStatement(
    update(case_counters)
    .where(case_counters.c.year == bindparam("counter_year"))
    .values(last=case_counters.c.last + 1)
    .returning(case_counters.c.last)
)

"""The statements of opening and of reading a case, prebuilt once (see fast.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    bindparam,
    insert,
    null,
    select,
    type_coerce,
    update,
)

from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.repositories import case_batches
from vulndesk.adapters.storage.tables.core import (
    case_counters,
    case_facts,
    case_products,
    case_transitions,
    cases,
)


def _typed_null(type_: Any) -> Any:
    return type_coerce(null(), type_)


# Facts and transitions of a case joined to the case row, so a case is read with one statement.
_WANTED: BindParameter[str] = bindparam("wanted")
_CHILDREN = case_batches.children(lambda: cases.c.key == _WANTED)
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

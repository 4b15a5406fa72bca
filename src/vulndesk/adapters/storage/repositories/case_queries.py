"""The case list and count: filters, orders, and when a product's page walks an index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, func, or_, select

from vulndesk.adapters.storage.tables.advisories import advisory_revisions
from vulndesk.adapters.storage.tables.core import case_products, cases, obligations, products
from vulndesk.domain.cases import CaseState
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.domain.severity import SeverityLevel
from vulndesk.services.ports import CaseFilter, CaseSummary

# The case list: its columns, its orders, and the orders an index serves ((column, id) order).
LIST_COLUMNS = [
    cases.c.key,
    cases.c.title,
    cases.c.unit_id,
    cases.c.state,
    cases.c.cwe,
    cases.c.cvss31_score,
    cases.c.cn_grade,
    cases.c.products,
    cases.c.created_at,
    cases.c.updated_at,
]
ORDERS = {
    "-updated": cases.c.updated_at.desc(),
    "updated": cases.c.updated_at.asc(),
    "-created": cases.c.created_at.desc(),
    "created": cases.c.created_at.asc(),
    "key": cases.c.key.asc(),
    "-key": cases.c.key.desc(),
    "-score": cases.c.cvss31_score.desc(),
    "score": cases.c.cvss31_score.asc(),
}
# Time left: the case's soonest open or overdue deadline; cases without one come last.
SOONEST_DUE = (
    select(func.min(obligations.c.due_at))
    .where(
        obligations.c.case_id == cases.c.id,
        obligations.c.status.in_((ObligationStatus.OPEN.value, ObligationStatus.OVERDUE.value)),
    )
    .scalar_subquery()
)
ORDERS["due"] = SOONEST_DUE.asc()
# Score bounds of each CVSS rating (lower inclusive, upper exclusive).
LEVELS = {
    SeverityLevel.CRITICAL: (9.0, 11.0),
    SeverityLevel.HIGH: (7.0, 9.0),
    SeverityLevel.MEDIUM: (4.0, 7.0),
    SeverityLevel.LOW: (0.1, 4.0),
    SeverityLevel.NONE: (0.0, 0.1),
}
INDEXED_ORDERS = frozenset({"-updated", "-created"})
PROBE_CAP = 20_000


def contains(column: ColumnElement[Any], word: str, sqlite: bool) -> ColumnElement[bool]:
    """`column` holds `word`, letter case aside, as SQLAlchemy's `icontains` matches it.

    On SQLite, LIKE already ignores the case of ASCII letters and only of those, as `lower`
    does, so the column is compared with one bound pattern: a third of the time of
    `lower(column) LIKE '%' || lower(?) || '%'`, which rebuilds the pattern for every row.
    """
    if not sqlite:
        return column.icontains(word, autoescape=True)
    escaped = word.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.like(f"%{escaped}%", escape="/")


def on_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def words(text: str) -> list[str]:
    """The words a search matches, each in some searched column (at most eight)."""
    return text.split()[:8]


def text_match(conn: Connection, text: str) -> ColumnElement[bool]:
    """Every word of `text` in a plain column: the key, title, tracking id, a product's id or
    name, a CVE id (never in encrypted details).

    Each word's products and CVE ids (small tables) are looked up first, so a scan of the
    cases tests plain LIKEs (on SQLite in the narrow `ix_cases_search` index), and the
    products' cases or the CVE ids' cases only when some matched.
    """
    sqlite = on_sqlite(conn)
    every = []
    for word in words(text):
        matching = select(products.c.id).where(
            or_(contains(products.c.id, word, sqlite), contains(products.c.name, word, sqlite))
        )
        by_cve = select(advisory_revisions.c.case_key).where(
            contains(advisory_revisions.c.cve_id, word, sqlite)
        )
        tests = [
            contains(cases.c.key, word, sqlite),
            contains(cases.c.title, word, sqlite),
            contains(cases.c.intake_id, word, sqlite),
        ]
        if product_ids := list(conn.execute(matching).scalars()):
            linked = case_products.c.product_id.in_(product_ids)
            tests.append(cases.c.id.in_(select(case_products.c.case_id).where(linked)))
        if cve_keys := list(conn.execute(by_cve).scalars()):
            tests.append(keys_in(cases.c.key, cve_keys))
        every.append(or_(*tests))
    return and_(*every)


# A search is matched once per request: the ids of the cases holding every word are read in
# one pass (up to this many), and the page and the count then name those ids. A broader
# search (more matches) keeps the word tests in both statements.
MATCH_CAP = 2000


def search(conn: Connection, text: str) -> ColumnElement[bool]:
    """The condition for the cases matching `text`: their ids when at most MATCH_CAP,
    else the word tests themselves."""
    match = text_match(conn, text)
    found = [
        int(i) for i in conn.execute(select(cases.c.id).where(match).limit(MATCH_CAP + 1)).scalars()
    ]
    return match if len(found) > MATCH_CAP else keys_in(cases.c.id, found)


# Up to this many keys go as bound values; a longer list (a person on tens of thousands of
# cases) is written into the statement as quoted literals: SQLite takes at most 32,766 bound
# values (250,000 as Debian builds it) and PostgreSQL's protocol 65,535.
_BOUND_KEYS = 1000


def keys_in(column: ColumnElement[Any], keys: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN keys`, for any number of case keys (or ids) on either engine."""
    if len(keys) <= _BOUND_KEYS:
        return column.in_(keys)
    return column.in_(bindparam(None, list(keys), expanding=True, literal_execute=True))


def filtered(
    stmt: Select[Any], flt: CaseFilter, matched: ColumnElement[bool] | None
) -> Select[Any]:
    """`stmt` narrowed by the filter; `matched` is `search` of its text (None: no text)."""
    if flt.states:
        stmt = stmt.where(cases.c.state.in_([s.value for s in flt.states]))
    if flt.unit:
        stmt = stmt.where(cases.c.unit_id == flt.unit)
    if flt.product:
        stmt = stmt.where(
            cases.c.id.in_(
                select(case_products.c.case_id).where(case_products.c.product_id == flt.product)
            )
        )
    if flt.keys is not None:
        stmt = stmt.where(keys_in(cases.c.key, flt.keys))
    if matched is not None:
        stmt = stmt.where(matched)
    if flt.severity is not None:
        low, high = LEVELS[flt.severity]
        score = func.coalesce(cases.c.cvss40_score, cases.c.cvss31_score)
        stmt = stmt.where(score >= low, score < high)
    return stmt


def list_cases(
    conn: Connection, flt: CaseFilter, matched: ColumnElement[bool] | None = None
) -> list[CaseSummary]:
    """A page of case summaries in the filter's order (`matched`: see `filtered`)."""
    order = ORDERS[flt.order]
    if walks_order(conn, flt):
        # Walk the order's index and keep the product's cases: no sort, and the walk stops
        # at the page's end (see walks_order). Same rows, same order as the join below.
        stmt = select(*LIST_COLUMNS).where(
            select(case_products.c.case_id)
            .where(
                case_products.c.case_id == cases.c.id,
                case_products.c.product_id == flt.product,
            )
            .exists()
        )
    else:
        stmt = filtered(select(*LIST_COLUMNS), flt, matched)
    if flt.order == "due":
        stmt = stmt.order_by(SOONEST_DUE.is_(None))
    stmt = stmt.order_by(order, cases.c.id.desc()).limit(flt.limit).offset(flt.offset)
    return [
        CaseSummary(
            CaseKey(r.key),
            r.title,
            UnitId(r.unit_id),
            CaseState(r.state),
            r.cwe,
            r.cvss31_score,
            r.cn_grade,
            tuple(p["product"] for p in r.products),
            r.created_at,
            r.updated_at,
        )
        for r in conn.execute(stmt)
    ]


def walks_order(conn: Connection, flt: CaseFilter) -> bool:
    """Whether a page filtered by product alone is cheaper read by walking the order's index.

    Joining the product's k cases and sorting them costs about k rows; walking the order's
    index until the page is full costs about `offset + limit` rows divided by the product's
    share k / n of the n cases. The walk wins when (offset + limit) * n < k * k. One
    statement finds n (the largest case id, from the primary key) and k (counted in
    `case_products`' index, at most PROBE_CAP entries: past that the walk wins anyway).
    """
    if not flt.product or flt.states or flt.unit or flt.keys is not None:
        return False
    if flt.text or flt.severity is not None:
        return False
    if flt.order not in INDEXED_ORDERS:
        return False
    linked = (
        select(case_products.c.case_id)
        .where(case_products.c.product_id == flt.product)
        .limit(PROBE_CAP)
        .subquery()
    )
    probe = select(
        select(func.coalesce(func.max(cases.c.id), 0)).scalar_subquery(),
        select(func.count()).select_from(linked).scalar_subquery(),
    )
    n, k = conn.execute(probe).one()
    return bool((flt.offset + flt.limit) * int(n) < int(k) * int(k))


def count_cases(
    conn: Connection, flt: CaseFilter, matched: ColumnElement[bool] | None = None
) -> int:
    """How many cases the filter holds (`matched`: see `filtered`)."""
    only_product = not (flt.states or flt.unit or flt.keys is not None)
    if flt.product and only_product and not (flt.text or flt.severity):
        # Every case_products row names one existing case once (key and foreign key), so
        # the product's own index answers without reading a case row.
        only = select(func.count()).where(case_products.c.product_id == flt.product)
        return int(conn.execute(only).scalar_one())
    counted = filtered(select(func.count()).select_from(cases), flt, matched)
    return int(conn.execute(counted).scalar_one())

"""The case list's counts and first pages agree with a plain reading, for every filter shape."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from bench.datagen import PRODUCTS, generate_cases
from sqlalchemy import event, insert, select, update

from vulndesk.adapters.storage.tables.core import case_products, cases
from vulndesk.bootstrap import Container
from vulndesk.domain.cases import CaseState
from vulndesk.domain.ids import CaseKey, ProductId, UnitId
from vulndesk.services.ports import CaseFilter


def test_counts_and_orders_match_the_cases_read_one_by_one(container: Container) -> None:
    generate_cases(container.engine, 300, per_case=1, batch=100)
    with container.uow() as uow:
        every = uow.cases.list(CaseFilter(limit=500, order="key"))
        full = {s.key: s for s in every}
        assert len(full) == 300
        states = (None, (CaseState.TRIAGE,), (CaseState.RECEIVED, CaseState.TRIAGE))
        units = (None, UnitId("cn"), UnitId("de"))
        products = (None, ProductId(PRODUCTS[3]))
        for st, unit, product in itertools.product(states, units, products):
            expected = {
                k
                for k, s in full.items()
                if (st is None or s.state in st)
                and (unit is None or s.unit == unit)
                and (product is None or product in s.products)
            }
            flt = CaseFilter(states=st or (), unit=unit, product=product, limit=500)
            assert uow.cases.count(flt) == len(expected), flt
            for order, attr in (("-updated", "updated_at"), ("-created", "created_at")):
                page = uow.cases.list(CaseFilter(**{**_fields(flt), "order": order}))
                assert {s.key for s in page} == expected
                instants = [getattr(s, attr) for s in page]
                assert instants == sorted(instants, reverse=True)
        some = tuple(CaseKey(k) for k in list(full)[:40])
        restricted = CaseFilter(product=ProductId(PRODUCTS[3]), keys=some)
        assert uow.cases.count(restricted) == sum(
            1 for k in some if PRODUCTS[3] in full[k].products
        )


def _fields(flt: CaseFilter) -> dict[str, Any]:
    return {
        "states": flt.states,
        "unit": flt.unit,
        "product": flt.product,
        "keys": flt.keys,
        "limit": flt.limit,
    }


def test_product_pages_are_the_same_whether_the_sort_index_is_walked_or_not(
    container: Container,
) -> None:
    # One product on two thirds of the cases, with ties in both sort columns: its first pages
    # walk the order's index and probe the product, its later pages join and sort.
    generate_cases(container.engine, 300, per_case=0, batch=100)
    common = PRODUCTS[5]
    tie = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with container.engine.begin() as conn:
        linked = set(
            conn.execute(
                select(case_products.c.case_id).where(case_products.c.product_id == common)
            ).scalars()
        )
        extra = [
            {"case_id": i, "product_id": common} for i in range(1, 301) if i % 3 and i not in linked
        ]
        conn.execute(insert(case_products), extra)
        tied = cases.c.id.between(100, 160)
        conn.execute(update(cases).where(tied).values(updated_at=tie, created_at=tie))
        members = set(
            conn.execute(
                select(case_products.c.case_id).where(case_products.c.product_id == common)
            ).scalars()
        )
    walked: list[bool] = []

    def listen(_c: object, _cur: object, statement: str, *_a: object) -> None:
        if statement.startswith("SELECT cases.") and "cases.title" in statement:
            walked.append("EXISTS" in statement.upper())

    event.listen(container.engine, "before_cursor_execute", listen)
    try:
        with container.uow() as uow:
            every = uow.cases.list(CaseFilter(limit=500))
            for order, attr in (("-updated", "updated_at"), ("-created", "created_at")):
                ranked = sorted(
                    (s for s in every if _case_id(s.key) in members),
                    key=lambda s: (getattr(s, attr), _case_id(s.key)),
                    reverse=True,
                )
                walked.clear()
                pages = [
                    uow.cases.list(
                        CaseFilter(product=ProductId(common), order=order, limit=50, offset=o)
                    )
                    for o in range(0, 250, 50)
                ]
                assert walked == [True, True, False, False, False], walked
                assert [s.key for page in pages for s in page] == [s.key for s in ranked]
                assert uow.cases.count(CaseFilter(product=ProductId(common))) == len(members)
            rare = CaseFilter(product=ProductId(PRODUCTS[6]), limit=5)
            walked.clear()
            page = uow.cases.list(rare)
            assert walked == [False]
            assert [s.key for s in page] == [s.key for s in every if PRODUCTS[6] in s.products][:5]
    finally:
        event.remove(container.engine, "before_cursor_execute", listen)


def _case_id(key: str) -> int:
    return int(key.rsplit("-", 1)[1])

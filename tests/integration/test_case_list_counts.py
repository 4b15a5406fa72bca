"""The case list's counts and first pages agree with a plain reading, for every filter shape."""

from __future__ import annotations

import itertools

from bench.datagen import PRODUCTS, generate_cases

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


def _fields(flt: CaseFilter) -> dict[str, object]:
    return {
        "states": flt.states,
        "unit": flt.unit,
        "product": flt.product,
        "keys": flt.keys,
        "limit": flt.limit,
    }

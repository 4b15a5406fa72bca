"""The benchmark data generator writes rows the application reads as its own, on both engines."""

from __future__ import annotations

from bench.datagen import bench_key, generate_audit, generate_cases

from tests.builders import as_person, open_case, seed_reference
from vulndesk.bootstrap import Container
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.ports import CaseFilter


def test_generated_cases_and_obligations_read_back(container: Container) -> None:
    added = generate_cases(container.engine, 120, per_case=3, batch=100)
    assert added == 360
    generate_cases(container.engine, 30, batch=100)  # a second call numbers on
    with container.uow() as uow:
        assert uow.cases.count(CaseFilter()) == 150
        case = uow.cases.get(CaseKey(bench_key(7)))
        assert case.products and case.products[0].product.startswith("bench-p")
        assert len(uow.obligations.for_case(case.key)) == 3
        page = uow.cases.list(CaseFilter(unit=UnitId("cn"), limit=10))
        assert len(page) == 10 and all(c.unit == "cn" for c in page)
        by_product = uow.cases.count(CaseFilter(product=case.products[0].product))
        assert 0 < by_product < 150


def test_generated_audit_chain_verifies_and_the_application_continues_it(
    container: Container,
) -> None:
    generate_audit(container.engine, 1_234, batch=500)
    result = audit_tools.verify(container.deps())
    assert result.ok and result.checked == 1_234, result
    actor = as_person("bench", "test")
    seed_reference(container.deps(), actor)  # the generator adds only units it lacks
    generate_cases(container.engine, 5, per_case=1)
    open_case(container.deps(), actor)  # ids continue after the generated rows
    result = audit_tools.verify(container.deps())
    assert result.ok and result.checked > 1_234, result

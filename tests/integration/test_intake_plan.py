"""A report planned before the writer lock is stored as planned, or planned again if the
reference data it read changed in between; both engines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from tests.builders import seed_reference, statements_sent
from vulndesk.bootstrap import Container
from vulndesk.domain.ids import CaseKey
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import reference
from vulndesk.services.clocks import rules_in_force
from vulndesk.services.intake import public as intake

T = TypeVar("T")
REQ = intake.IntakeRequest(
    product="router",
    version="1.0",
    description="Heap overflow in the httpd request parser via long Host header",
    steps="send a 70000 byte Host header",
    impact="remote code execution",
    source_address="203.0.113.9",
)


def _dues(container: Container, key: str) -> dict[str, object]:
    with container.uow() as uow:
        return {o.id: o.obligation.due for o in uow.obligations.for_case(CaseKey(key))}


def _counting(container: Container, run: Callable[[], T]) -> tuple[T, list[str]]:
    """What `run` returns, and the statements it sent."""
    with statements_sent(container.engine) as seen:
        got = run()
    return got, seen


def _store_counting(container: Container, prepared: intake.PreparedReport) -> tuple[str, list[str]]:
    got, seen = _counting(container, lambda: intake.store_report(container.deps(), prepared))
    return got.case_key, seen


def test_an_unchanged_plan_is_stored_without_reading_reference_data_again(
    container: Container, actor: Principal
) -> None:
    seed_reference(container.deps(), actor)
    prepared = intake.prepare_report(container.deps(), REQ)
    key, seen = _store_counting(container, prepared)
    assert not [s for s in seen if "FROM products" in s or "FROM org_settings" in s]
    assert _dues(container, key) == {o.id: o.obligation.due for o in prepared.plan.obligations}


def test_a_plan_read_before_the_rules_in_force_changed_is_made_again(
    container: Container, actor: Principal
) -> None:
    deps = container.deps()
    seed_reference(deps, actor)
    prepared = intake.prepare_report(deps, REQ)
    planned = {o.id.partition("/")[0] for o in prepared.plan.obligations}
    assert "cn-rmsv-2021" in planned
    # Between planning and storing, an administrator takes RMSV out of force: every open case
    # is recomputed, and the report being stored must not bring its clocks back.
    rules_in_force.set_in_force(deps, actor, container.rule_sets, ["eu-cra-2024"])
    key, seen = _store_counting(container, prepared)
    assert [s for s in seen if "FROM org_settings" in s], "planned again under the lock"
    stored = {o.partition("/")[0] for o in _dues(container, key)}
    assert "cn-rmsv-2021" not in stored
    fresh = intake.submit_report(deps, REQ)  # planned after the change: the reference
    assert set(_dues(container, key)) == set(_dues(container, fresh.case_key))


def _planning_reads(
    container: Container, req: intake.IntakeRequest
) -> tuple[intake.PreparedReport, list[str]]:
    prepared, seen = _counting(container, lambda: intake.prepare_report(container.deps(), req))
    return prepared, [t for s in seen for t in REFERENCE_TABLES if f"FROM {t}" in s]


REFERENCE_TABLES = ("products", "org_units", "org_settings", "calendar_overrides")


def test_planning_reuses_reference_data_until_any_of_it_changes(
    container: Container, actor: Principal
) -> None:
    deps = container.deps()
    seed_reference(deps, actor)
    switch = replace(REQ, product="switch")
    first, reads = _planning_reads(container, switch)
    assert set(reads) >= {"products", "org_units", "org_settings"}
    again, reads = _planning_reads(container, switch)
    assert reads == []  # the same reference version: nothing read again, an unknown name too
    assert first.plan.request.products == again.plan.request.products == {}
    # The product is added, made by the Chinese subsidiary: the version moves, and the next
    # report naming it is planned from the new data (filed under its maker, with its version).
    reference.add_product(
        deps,
        actor,
        reference.ProductInput(
            id="switch",
            vendor="Acme",
            name="Switch",
            model="S-1",
            versions=("1.0",),
            owner_unit="cn",
        ),
    )
    after, reads = _planning_reads(container, switch)
    assert "products" in reads
    assert after.plan.request.unit == "cn"
    assert after.plan.request.products == {"switch": ["1.0"]}
    stored = intake.store_report(deps, after)
    with container.uow() as uow:
        assert str(uow.cases.get(CaseKey(stored.case_key)).unit) == "cn"
    # An option change moves it too: the rules in force are read again.
    rules_in_force.set_in_force(deps, actor, container.rule_sets, ["eu-cra-2024"])
    later, reads = _planning_reads(container, REQ)
    assert "org_settings" in reads
    assert {o.id.partition("/")[0] for o in later.plan.obligations} <= {"eu-cra-2024"}

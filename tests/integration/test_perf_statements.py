"""Statements per request: the case list and the case page stay within a fixed SQL budget.

A request whose statement count grows with the data (one query per row, per product, per
member) is the usual way a page gets slow at a million cases; the budget catches it early.
The count comes from a `before_cursor_execute` listener on the container's engine, so it
includes authentication, access checks and the audit event of the read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.builders import open_case, statements_sent
from tests.e2e.test_api_support import World, world
from vulndesk.domain.ids import CaseKey
from vulndesk.services.cases import lifecycle as cases

__all__ = ["world"]
BUDGET = 10
# A case page: the token with its user, the member's case keys, the case, its clocks (read
# only), and the audit event of the read (head and row) in a writing transaction; BEGIN three
# times.
CASE_PAGE_BUDGET = 9


@contextmanager
def counted(w: World) -> Iterator[list[str]]:
    """Statements the engine sends while the block runs (BEGIN/COMMIT included)."""
    with statements_sent(w.container.engine) as seen:
        yield seen


def _more_cases(w: World, n: int) -> None:
    deps = w.container.deps()
    for i in range(n):
        key = open_case(deps, w.admin_actor, title=f"Filler {i}", members=["analyst"]).key
        if i % 2:
            cases.record_fact(deps, w.admin_actor, key, "verified", None, "lab")


@pytest.mark.parametrize("user", ["coordinator", "analyst"])
def test_case_list_request_stays_within_budget(world: World, user: str) -> None:
    _more_cases(world, 12)
    path = "/api/v1/cases?state=received&state=triage&unit=cn&sort=-updated&limit=50"
    with counted(world) as seen:
        r = world.client.get(path, headers=world.headers(user))
    assert r.status_code == 200, r.text
    assert r.json()["total"] >= 1
    assert len(seen) <= BUDGET, "\n".join(seen)


@pytest.mark.parametrize("user", ["coordinator", "analyst"])
def test_case_page_read_stays_within_budget(world: World, user: str) -> None:
    _more_cases(world, 3)
    with counted(world) as seen:
        r = world.client.get(f"/api/v1/cases/{world.own}", headers=world.headers(user))
    assert r.status_code == 200, r.text
    assert r.json()["obligations"], "the page shows the case's clocks"
    assert len(seen) <= CASE_PAGE_BUDGET, "\n".join(seen)


# A public report is planned in a read-only transaction (the reference version, product,
# units, options, calendar overrides; BEGIN), then stored under the writer lock: the
# idempotency check, the rate count, the version check, the case with its fact, product and
# clocks, the intake rows, two audit events (one head move, one insert) and the key (BEGIN
# IMMEDIATE, or on PostgreSQL the group commit's turn and the lock on the key). Before the
# commit the fact and the clocks are read back and bound to the chain: one read per evidence
# table and the binding event's insert (storage/evidence.py).
PLAN_BUDGET = 6
WRITE_BUDGET = 18
_REFERENCE = ("reference_version", "products", "org_units", "org_settings", "calendar_overrides")


def _planning(statements: list[str]) -> int:
    """How many leading statements belong to the read-only planning transaction."""
    n = 0
    for s in statements:
        reads_reference = s.startswith("SELECT") and any(f"FROM {t}" in s for t in _REFERENCE)
        if not (s == "BEGIN" or reads_reference):
            break
        n += 1
    return n


# The reporter's status read: the report with its case's state, the messages, the case's
# acknowledgement clock (house-sla/acknowledge, shown to the reporter), the audit event.
STATUS_BUDGET = 6


def test_intake_report_and_status_read_stay_within_budget(world: World) -> None:
    from tests.integration.test_intake_api import REPORT

    def post() -> dict[str, str]:
        r = world.client.post(
            "/api/v1/intake", json=REPORT, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    post()  # the first report also creates the year's case counter
    with counted(world) as seen:
        receipt = post()
    plan = _planning(seen)
    assert plan <= PLAN_BUDGET, "\n".join(seen)
    assert len(seen) - plan <= WRITE_BUDGET, "\n".join(seen)
    assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s in seen[:plan])
    with world.container.uow() as uow:
        case = CaseKey(uow.intake.get(receipt["tracking"]).case_key)
        stored = uow.obligations.for_case(case)
    assert stored, "the report's clocks were stored without reading the new case back"
    bearer = {"Authorization": f"Bearer {receipt['token']}"}
    with counted(world) as seen:
        r = world.client.get(f"/api/v1/intake/{receipt['tracking']}/messages", headers=bearer)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "received"
    assert len(seen) <= STATUS_BUDGET, "\n".join(seen)

"""Waivers, organisation options and calendar overrides through services and storage."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.builders import open_case, seed_reference
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services import cases, obligations_admin
from vulndesk.services.context import Actor, Deps


def _nvdb(deps: Deps, key: str) -> dict[str, object]:
    with deps.uow() as uow:
        return {o.id: o for o in uow.obligations.for_case(key)}  # type: ignore[arg-type]


def test_waiver_needs_second_approver_and_survives_recompute(deps: Deps, actor: Actor) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    oid = "cn-rmsv-2021/report-to-nvdb"
    with pytest.raises(InvalidInput, match="approver"):
        obligations_admin.waive_obligation(deps, actor, case.key, oid, "n/a", [actor.name])
    with pytest.raises(InvalidInput, match="reason"):
        obligations_admin.waive_obligation(deps, actor, case.key, oid, " ", ["lead-b"])
    obligations_admin.waive_obligation(deps, actor, case.key, oid, "not our product", ["lead-b"])
    cases.record_fact(deps, actor, case.key, "verified", None, "lab repro")
    got = _nvdb(deps, case.key)[oid]
    assert got.status is ObligationStatus.WAIVED  # type: ignore[attr-defined]
    assert got.waived_by == ("lead-b",)  # type: ignore[attr-defined]
    with deps.uow() as uow:
        tags = [e.event.tag for e in uow.audit.for_object("case", case.key)]
    assert "case:obligation:waived" in tags


def test_org_option_is_checked_and_recomputes_open_cases(
    container: Container, deps: Deps, actor: Actor
) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    oid = "cn-rmsv-2021/report-to-nvdb"
    before = _nvdb(deps, case.key)[oid].due  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput):
        obligations_admin.set_option(deps, actor, container.rule_sets, "cn-rmsv-2021.nope", "x")
    n = obligations_admin.set_option(
        deps, actor, container.rule_sets, "cn-rmsv-2021.report_window", "2wd"
    )
    assert n == 1
    after = _nvdb(deps, case.key)[oid].due  # type: ignore[attr-defined]
    assert after != before
    assert [o.key for o in obligations_admin.list_options(deps)] == ["cn-rmsv-2021.report_window"]


def test_calendar_override_moves_working_day_deadlines(
    container: Container, deps: Deps, actor: Actor
) -> None:
    seed_reference(deps, actor)
    obligations_admin.set_option(
        deps, actor, container.rule_sets, "cn-rmsv-2021.report_window", "2wd"
    )
    case = open_case(deps, actor)
    oid = "cn-rmsv-2021/report-to-nvdb"
    before = _nvdb(deps, case.key)[oid].due  # type: ignore[attr-defined]
    # The period ends at midnight after its last working day: take that day off.
    tz_due = (before - dt.timedelta(seconds=1)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    obligations_admin.set_calendar_day(deps, actor, "cn", tz_due.isoformat(), False, "typhoon")
    after = _nvdb(deps, case.key)[oid].due  # type: ignore[attr-defined]
    assert after > before
    assert [o.note for o in obligations_admin.list_calendar(deps, "CN")] == ["typhoon"]
    with pytest.raises(InvalidInput, match="country"):
        obligations_admin.set_calendar_day(deps, actor, "XX", "2027-01-01", False, "")


def test_rule_options_coexist_with_other_settings(
    deps: Deps, actor: Actor, container: Container
) -> None:
    """Settings of other areas in the same table (reports.*) do not block rule options."""
    from vulndesk.services import oversight

    oversight.set_require_hq(deps, actor, True)
    obligations_admin.set_option(
        deps, actor, container.rule_sets, "cn-rmsv-2021.report_window", "2d"
    )
    with container.uow() as uow:
        stored = uow.org_settings.options()
    assert stored["cn-rmsv-2021.report_window"] == "2d"

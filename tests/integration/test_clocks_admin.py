"""Waivers, organisation options and calendar overrides through services and storage."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from vulndesk.bootstrap import Container
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import Conflict, Forbidden, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access.rights import Principal
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.clocks import options as obligations_admin
from vulndesk.services.clocks import waivers
from vulndesk.services.context import Deps
from vulndesk.services.reports import approvals


def _nvdb(deps: Deps, key: str) -> dict[str, CaseObligation]:
    with deps.uow() as uow:
        return {o.id: o for o in uow.obligations.for_case(CaseKey(key))}


LEAD = as_person("lead-a", "test", unit="cn")
SECOND = as_person("approver-b", "test", unit="cn")
OID = "cn-rmsv-2021/report-to-nvdb"


def _waiver_case(deps: Deps, actor: Principal) -> str:
    seed_reference(deps, actor)
    accounts_for(deps, LEAD, role="coordinator")
    accounts_for(deps, SECOND, as_person("approver-x", "test"))
    return open_case(deps, actor, members=["approver-b"]).key


def test_one_person_cannot_waive_an_obligation_alone(deps: Deps, actor: Principal) -> None:
    key = _waiver_case(deps, actor)
    with pytest.raises(InvalidInput, match="reason"):
        waivers.propose(deps, LEAD, key, OID, " ")
    proposed = waivers.propose(deps, LEAD, key, OID, "not our product")
    assert (proposed.status, proposed.proposed_by, proposed.approvers) == (
        "pending",
        "lead-a",
        ("lead-a",),
    )
    # Until a second person approves, the obligation keeps its status.
    assert _nvdb(deps, key)[OID].status is ObligationStatus.OPEN
    # A coordinator cannot approve at all; an administrator cannot approve their own proposal.
    with pytest.raises(Forbidden, match="roles"):
        waivers.approve(deps, LEAD, key, OID)
    boss = as_person("boss-a", "test")
    accounts_for(deps, boss, role="admin")
    mine = waivers.propose(deps, boss, key, "cn-rmsv-2021/verify", "done elsewhere")
    with pytest.raises(GuardFailed, match="second person"):
        waivers.approve(deps, boss, key, str(mine.id))
    with pytest.raises(Conflict, match="pending"):
        waivers.propose(deps, LEAD, key, OID, "again")
    assert _nvdb(deps, key)[OID].status is ObligationStatus.OPEN
    assert sorted(waivers.pending(deps, LEAD, key)) == [
        "cn-rmsv-2021/report-to-nvdb",
        "cn-rmsv-2021/verify",
    ]
    assert _nvdb(deps, key)["cn-rmsv-2021/verify"].status is ObligationStatus.OPEN


def test_a_made_up_or_unqualified_approver_does_not_count(deps: Deps, actor: Principal) -> None:
    key = _waiver_case(deps, actor)
    proposed = waivers.propose(deps, LEAD, key, OID, "not our product")
    with pytest.raises(Forbidden, match="not an active account"):
        waivers.approve(deps, as_person("lead-b", "test"), key, OID)
    accounts_for(deps, as_person("lead-c", "test"), role="coordinator")
    with pytest.raises(Forbidden, match="roles"):
        waivers.approve(deps, as_person("lead-c", "test"), key, OID)
    # An approver who is not a member of the case does not know it exists.
    with pytest.raises(NotFound):
        waivers.approve(
            deps, as_person("approver-x", "test", roles={"approver"}), key, str(proposed.id)
        )
    assert _nvdb(deps, key)[OID].status is ObligationStatus.OPEN
    # An approver account cannot propose: proposing is a coordinator's or admin's act.
    with pytest.raises(Forbidden):
        waivers.propose(deps, SECOND, key, "cn-rmsv-2021/verify", "n/a")
    # A waiver is approved only through its own use case, which waives the obligation.
    with pytest.raises(GuardFailed, match="waive-approve"):
        approvals.approve_decision(deps, SECOND, proposed.id)


def test_the_second_real_approver_waives_it_and_it_survives_recompute(
    deps: Deps, actor: Principal
) -> None:
    key = _waiver_case(deps, actor)
    proposed = waivers.propose(deps, LEAD, key, OID, "not our product")
    done = waivers.approve(deps, SECOND, key, str(proposed.id))
    assert (done.status, done.approvers) == ("approved", ("lead-a", "approver-b"))
    with pytest.raises(GuardFailed, match="already"):
        waivers.approve(deps, SECOND, key, OID)
    cases.record_fact(deps, actor, key, "verified", None, "lab repro")
    got = _nvdb(deps, key)[OID]
    assert got.status is ObligationStatus.WAIVED
    assert got.waived_by == ("lead-a", "approver-b")
    assert got.waived_reason == "not our product"
    with deps.uow() as uow:
        events = [e.event for e in uow.audit.for_object("case", key)]
    mine = {e.tag: e for e in events if e.tag.startswith("case:obligation:waive")}
    assert set(mine) == {"case:obligation:waiver-proposed", "case:obligation:waived"}
    for e in mine.values():
        assert dict(e.detail) == {"obligation": OID, "decision": str(proposed.id)}
        assert "not our product" not in repr(e)
    # The proposal and its approval are evidence bound to the audit chain.
    assert audit_tools.verify(deps).ok


def test_org_option_is_checked_and_recomputes_open_cases(
    container: Container, deps: Deps, actor: Principal
) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    oid = "cn-rmsv-2021/report-to-nvdb"
    before = _nvdb(deps, case.key)[oid].due
    assert before is not None
    with pytest.raises(InvalidInput):
        obligations_admin.set_option(deps, actor, container.rule_sets, "cn-rmsv-2021.nope", "x")
    n = obligations_admin.set_option(
        deps, actor, container.rule_sets, "cn-rmsv-2021.report_window", "2wd"
    )
    assert n == 1
    after = _nvdb(deps, case.key)[oid].due
    assert after != before
    assert [o.key for o in obligations_admin.list_options(deps, actor)] == [
        "cn-rmsv-2021.report_window"
    ]


def test_calendar_override_moves_working_day_deadlines(
    container: Container, deps: Deps, actor: Principal
) -> None:
    seed_reference(deps, actor)
    obligations_admin.set_option(
        deps, actor, container.rule_sets, "cn-rmsv-2021.report_window", "2wd"
    )
    case = open_case(deps, actor)
    oid = "cn-rmsv-2021/report-to-nvdb"
    before = _nvdb(deps, case.key)[oid].due
    assert before is not None
    # The period ends at midnight after its last working day: take that day off.
    tz_due = (before - dt.timedelta(seconds=1)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    obligations_admin.set_calendar_day(deps, actor, "cn", tz_due.isoformat(), False, "typhoon")
    after = _nvdb(deps, case.key)[oid].due
    assert after is not None and after > before
    assert [o.note for o in obligations_admin.list_calendar(deps, actor, "CN")] == ["typhoon"]
    with pytest.raises(InvalidInput, match="country"):
        obligations_admin.set_calendar_day(deps, actor, "XX", "2027-01-01", False, "")


def test_rule_options_coexist_with_other_settings(
    deps: Deps, actor: Principal, container: Container
) -> None:
    """Settings of other areas in the same table (reports.*) do not block rule options."""
    from vulndesk.services.reports import oversight

    oversight.set_require_hq(deps, actor, True)
    obligations_admin.set_option(
        deps, actor, container.rule_sets, "cn-rmsv-2021.report_window", "2d"
    )
    with container.uow() as uow:
        stored = uow.org_settings.options()
    assert stored["cn-rmsv-2021.report_window"] == "2d"

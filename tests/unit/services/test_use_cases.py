"""The main use cases on the in-memory fakes: open, record a fact, move, draft, approve, submit,
record a disclosure, waive. The database suites cover the same flows end to end."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import V31_CRIT, seed_reference
from tests.fakes import FakeHasher, FakeWorld, actor_for, rules_evaluator
from vulndesk.domain.audit import verify_chain
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case, CaseState
from vulndesk.domain.drafts import DraftStatus
from vulndesk.domain.errors import Forbidden, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.accounts import users as accounts
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import opening, reference
from vulndesk.services.clocks import waivers as waiver_service
from vulndesk.services.disclosure import ledger
from vulndesk.services.reports import approvals, oversight
from vulndesk.services.reports import drafts as reports

ADMIN = actor_for("setup", "admin")
A = actor_for("analyst-a", "analyst", "approver", unit="cn")
B = actor_for("analyst-b", "analyst", "approver", unit="cn")
HQ = actor_for("officer-hq", "approver", unit="hq")
COORD = actor_for("coord", "coordinator", unit="cn")
ADM1 = actor_for("admin-1", "admin", unit="hq")
ADM2 = actor_for("admin-2", "admin", unit="hq")
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "harm": "Remote code execution.",
    "technical_characteristics": "Unchecked length in the header parser.",
    "scope_of_impact": "All R-1 routers with remote management.",
}


@pytest.fixture
def world() -> FakeWorld:
    w = FakeWorld(evaluate=rules_evaluator())
    deps = w.deps()
    seed_reference(deps, ADMIN)
    reference.add_party(deps, ADMIN, id="cncert", name="CNCERT", kind="csirt", country="CN")
    for who in (A, B, HQ, COORD, ADM1, ADM2):
        accounts.add_user(
            deps,
            ADMIN,
            FakeHasher(),
            name=who.name,
            email=f"{who.name}@example.org",
            roles=sorted(who.roles),
            unit=who.unit,
        )
    return w


def _open(w: FakeWorld) -> Case:
    req = opening.OpenCase(
        title="Heap overflow in httpd",
        unit="cn",
        products={"router": ["1.0"]},
        cvss31=V31_CRIT,
        details=DETAILS,
        members=["analyst-a", "analyst-b", "officer-hq"],
    )
    return cases.open_case(w.deps(), A, req)


def _nvdb(w: FakeWorld, key: str) -> ObligationStatus:
    found = [
        o for o in w.uow().obligations.for_case(CaseKey(key)) if o.id.endswith("report-to-nvdb")
    ]
    assert len(found) == 1
    return found[0].status


def test_open_case_stores_the_case_its_clocks_and_an_audit_event(world: FakeWorld) -> None:
    case = _open(world)
    assert case.key == "VD-2026-0001"
    assert case.state is CaseState.RECEIVED
    assert world.uow().cases.get(case.key).title == "Heap overflow in httpd"
    assert _nvdb(world, case.key) is ObligationStatus.OPEN
    assert AuditTag.CASE_OPENED in world.tags()
    assert verify_chain(world.uow().audit.events()).ok


def test_open_case_refuses_an_unknown_unit_and_stores_nothing(world: FakeWorld) -> None:
    before = len(world.state.events)
    with pytest.raises(InvalidInput, match="unit"):
        cases.open_case(
            world.deps(),
            A,
            opening.OpenCase(title="x", unit="nowhere", products={"router": ["1.0"]}),
        )
    assert world.state.cases == {}
    assert len(world.state.events) == before


def test_record_fact_recomputes_the_clocks_and_corrections_need_asking(world: FakeWorld) -> None:
    case = _open(world)
    world.clock.advance(dt.timedelta(hours=2))
    at = world.clock.now() - dt.timedelta(hours=1)
    saved = cases.record_fact(world.deps(), A, case.key, "verified", at, "reproduced in the lab")
    assert saved.instants[next(k for k in saved.instants if k.value == "verified")] == at
    assert world.tags()[-1] == AuditTag.CASE_FACT_RECORDED
    with pytest.raises(InvalidInput, match="already recorded"):
        cases.record_fact(world.deps(), A, case.key, "verified", at, "again")
    cases.record_fact(world.deps(), A, case.key, "verified", at, "fixed typo", correct=True)
    assert world.tags()[-1] == AuditTag.CASE_FACT_CORRECTED
    with pytest.raises(InvalidInput, match="evidence"):
        cases.record_fact(world.deps(), A, case.key, "fix_available", at, " ")


def test_transition_moves_the_case_and_guards_refuse_a_jump(world: FakeWorld) -> None:
    case = _open(world)
    moved = cases.transition(world.deps(), A, case.key, "triage", "looking at it")
    assert moved.state is CaseState.TRIAGE
    assert world.uow().cases.get(case.key).version == moved.version
    assert world.tags()[-1] == AuditTag.CASE_STATE_CHANGED
    with pytest.raises(GuardFailed, match="not allowed"):
        cases.transition(world.deps(), A, case.key, "closed", "skip ahead")
    assert world.uow().cases.get(case.key).state is CaseState.TRIAGE


def test_draft_report_versions_and_supersedes(world: FakeWorld) -> None:
    case = _open(world)
    first = reports.draft_report(world.deps(), A, case.key, "nvdb", "nvdb")
    assert first.ref == f"{case.key}/nvdb/nvdb/v1"
    assert first.status is DraftStatus.DRAFT
    assert world.tags()[-1] == AuditTag.CASE_REPORT_DRAFTED
    second = reports.draft_report(world.deps(), A, case.key, "nvdb", "nvdb", stage="update")
    assert second.draft.version == 2
    assert reports.get_draft(world.deps(), A, first.ref).status is DraftStatus.SUPERSEDED
    assert [(n.event, n.draft_ref) for n in oversight.notices(world.deps(), ADMIN)] == [
        ("draft-created", first.ref),
        ("draft-created", second.ref),
    ]


def test_approve_needs_two_people_and_the_hq_rule_when_on(world: FakeWorld) -> None:
    case = _open(world)
    draft = reports.draft_report(world.deps(), A, case.key, "nvdb", "nvdb")
    oversight.set_require_hq(world.deps(), ADMIN, True)
    assert approvals.approve(world.deps(), A, draft.ref).status is DraftStatus.DRAFT
    with pytest.raises(GuardFailed, match="already approved"):
        approvals.approve(world.deps(), A, draft.ref)
    with pytest.raises(GuardFailed, match="headquarters"):
        approvals.approve(world.deps(), B, draft.ref)
    done = approvals.approve(world.deps(), HQ, draft.ref)
    assert done.status is DraftStatus.APPROVED
    assert done.approvers == ("analyst-a", "officer-hq")
    with pytest.raises(Forbidden, match="not an active account"):
        approvals.approve(world.deps(), actor_for("nobody", "admin"), draft.ref)


def test_record_submission_freezes_an_approved_draft_and_meets_the_obligation(
    world: FakeWorld,
) -> None:
    case = _open(world)
    draft = reports.draft_report(world.deps(), A, case.key, "nvdb", "nvdb")
    approvals.approve(world.deps(), A, draft.ref)
    with pytest.raises(GuardFailed, match="only approved"):
        ledger.record_submission(world.deps(), A, draft.ref, world.clock.now(), "NVDB-1")
    approvals.approve(world.deps(), B, draft.ref)
    entry = ledger.record_submission(world.deps(), A, draft.ref, world.clock.now(), "NVDB-2")
    assert entry.entry.sha256 == draft.draft.sha256
    assert entry.entry.approvers == ("analyst-a", "analyst-b")
    assert reports.get_draft(world.deps(), A, draft.ref).status is DraftStatus.SUBMITTED
    assert _nvdb(world, case.key) is ObligationStatus.MET
    assert AuditTag.CASE_LEDGER_RECORDED in world.tags()
    with pytest.raises(GuardFailed):
        ledger.record_submission(world.deps(), B, draft.ref, world.clock.now(), "NVDB-again")


def test_record_disclosure_keeps_what_was_said(world: FakeWorld) -> None:
    case = _open(world)
    world.clock.advance(dt.timedelta(hours=1))
    at = world.clock.now() - dt.timedelta(minutes=5)
    entry = ledger.record_disclosure(
        world.deps(), A, case.key, "openssl", "upstream-notice", at, "told them by phone", "phone"
    )
    assert entry.entry.at == at
    assert entry.entry.recipient == "openssl"
    stored = world.uow().ledger.get(entry.id, content=True)
    assert stored.entry.content == "told them by phone"
    assert world.uow().ledger.get(entry.id).entry.content == ""
    with pytest.raises(InvalidInput, match="channel"):
        ledger.record_disclosure(
            world.deps(), A, case.key, "openssl", "upstream-notice", at, "x", "pigeon"
        )
    with pytest.raises(NotFound):
        ledger.record_disclosure(world.deps(), A, case.key, "nobody", "other", at, "x")


def test_waiver_takes_a_proposer_and_a_different_approver(world: FakeWorld) -> None:
    case = _open(world)
    obligation = next(
        o.id for o in world.uow().obligations.for_case(case.key) if o.id.endswith("report-to-nvdb")
    )
    proposed = waiver_service.propose(world.deps(), ADM1, case.key, obligation, "not in scope")
    assert proposed.status == "pending"
    assert world.tags()[-1] == AuditTag.CASE_OBLIGATION_WAIVER_PROPOSED
    assert _nvdb(world, case.key) is ObligationStatus.OPEN
    with pytest.raises(GuardFailed, match="second person") as caught:
        waiver_service.approve(world.deps(), ADM1, case.key, str(proposed.id))
    assert caught.value.guard == "two-persons"
    with pytest.raises(Forbidden, match="roles"):
        waiver_service.approve(world.deps(), COORD, case.key, str(proposed.id))
    done = waiver_service.approve(world.deps(), ADM2, case.key, obligation)
    assert done.approved
    assert done.approvers == ("admin-1", "admin-2")
    assert _nvdb(world, case.key) is ObligationStatus.WAIVED
    assert world.tags()[-1] == AuditTag.CASE_OBLIGATION_WAIVED
    with pytest.raises(GuardFailed, match="already approved"):
        waiver_service.approve(world.deps(), ADM1, case.key, str(proposed.id))


def test_a_failed_use_case_leaves_the_fake_store_as_it_was(world: FakeWorld) -> None:
    case = _open(world)
    before = (len(world.state.events), world.uow().cases.get(case.key).version)
    with pytest.raises(GuardFailed):
        cases.transition(world.deps(), A, case.key, "closed", "skip ahead")
    assert (len(world.state.events), world.uow().cases.get(case.key).version) == before

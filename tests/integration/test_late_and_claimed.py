"""Late is late, and the claimed instant of a disclosure against the instant it was recorded.

Issue #14 observations 2 (a claim before the draft's approval, before the vulnerability was
known, or in the future turned an obligation met) and 3 (a filing after the due instant read
`met` with no trace of lateness).
"""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import text

from tests.builders import accounts_for, as_person, open_case
from tests.integration.test_reports_flow import DETAILS
from tests.integration.test_reports_flow import seed as seed_reports
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage import migrate
from vulndesk.bootstrap import Container
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import views as case_views
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import claims, ledger
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

A = as_person("analyst-a", "test", unit="de")
B = as_person("approver-b", "test", unit="de")
BERLIN = dt.timezone(dt.timedelta(hours=2))  # CEST: every instant below is before 25 October
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FINAL = "eu-cra-2024/final-report"
STATUS = "SELECT status FROM obligations WHERE obligation_id = :id"
COORDINATOR = Principal(
    "coordinator", frozenset({"coordinator"}), None, frozenset({"read"}), "session:test"
)


def seed(deps: Deps, actor: Principal) -> None:
    """The reports flow's organisation, and real accounts behind this file's two people."""
    seed_reports(deps, actor)
    accounts_for(deps, B)  # analyst-a has its account from the reports flow


def obligation(deps: Deps, key: str, wanted: str) -> CaseObligation:
    found = [o for o in cases.show_case(deps, A, key).obligations if o.id == wanted]
    assert len(found) == 1, [o.id for o in cases.show_case(deps, A, key).obligations]
    return found[0]


def exploited_case(deps: Deps, actor: Principal, clock: SettableClock) -> str:
    """A German unit's exploited and fixed vulnerability: the CRA final report falls due
    at 2026-10-16 00:00 Brussels (14 days after the fix's local date)."""
    clock.set(dt.datetime(2026, 9, 14, 9, 0, tzinfo=BERLIN))
    seed(deps, actor)
    case = open_case(
        deps, actor, unit="de", details=DETAILS, aware=dt.datetime(2026, 9, 14, 8, 0, tzinfo=BERLIN)
    )
    clock.set(dt.datetime(2026, 10, 1, 12, 0, tzinfo=BERLIN))
    at = dt.datetime(2026, 9, 15, 8, 0, tzinfo=BERLIN)
    cases.record_fact(deps, actor, case.key, "exploitation_aware", at, "honeypot")
    cases.record_fact(deps, actor, case.key, "verified", at, "lab")
    fixed = dt.datetime(2026, 10, 1, 10, 0, tzinfo=BERLIN)
    cases.record_fact(deps, actor, case.key, "fix_available", fixed, "release 2.0.1")
    due = obligation(deps, case.key, FINAL).due
    assert due == dt.datetime(2026, 10, 16, 0, 0, tzinfo=BERLIN)
    # The disclosure guard lets nothing reach a government without two people's approval.
    release = approvals.record_decision(deps, A, "release", case.key, "enisa", "CRA Art. 14")
    approvals.approve_decision(deps, B, release.id)
    return case.key


def approved_final_report(deps: Deps, key: str) -> str:
    draft = reports.draft_report(deps, A, key, "enisa.vulnerability_final_report", "enisa")
    approvals.approve(deps, A, draft.ref)
    assert approvals.approve(deps, B, draft.ref).status == "approved"
    return draft.ref


def test_a_claim_in_the_future_is_refused(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = exploited_case(deps, actor, clock)
    ref = approved_final_report(deps, key)
    with pytest.raises(InvalidInput) as caught:
        ledger.record_submission(deps, A, ref, clock.now() + dt.timedelta(minutes=6), "R-1")
    assert caught.value.field == "at"
    assert "future" in caught.value.problem
    # Within the clock-skew tolerance a claim is taken as it stands.
    entry = ledger.record_submission(deps, A, ref, clock.now() + dt.timedelta(minutes=4), "R-1")
    assert entry.entry.recorded_at == clock.now()


def test_a_claim_before_the_drafts_approval_is_refused(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = exploited_case(deps, actor, clock)
    clock.advance(dt.timedelta(seconds=30))  # approved at 12:00:30
    ref = approved_final_report(deps, key)
    clock.advance(dt.timedelta(hours=2))
    with pytest.raises(InvalidInput) as caught:
        ledger.record_submission(deps, A, ref, clock.now() - dt.timedelta(hours=3), "R-1")
    assert caught.value.field == "at"
    assert "approv" in caught.value.problem
    assert obligation(deps, key, FINAL).status is ObligationStatus.OPEN
    # Given to the minute, as the console's form does, the approval's own minute is accepted.
    minute = dt.datetime(2026, 10, 1, 12, 0, tzinfo=BERLIN)
    with pytest.raises(InvalidInput, match="approv"):
        ledger.record_submission(deps, A, ref, minute - dt.timedelta(seconds=1), "R-1")
    entry = ledger.record_submission(deps, A, ref, minute, "R-1")
    assert obligation(deps, key, FINAL).met_ref == entry.ref


def test_a_claim_before_aware_or_before_the_trigger_is_refused(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = exploited_case(deps, actor, clock)
    before_aware = dt.datetime(2026, 9, 13, 12, 0, tzinfo=BERLIN)
    with pytest.raises(InvalidInput) as caught:
        ledger.record_disclosure(deps, A, key, "enisa", "other", before_aware, "a call")
    assert caught.value.field == "at"
    assert "aware" in caught.value.problem
    before_fix = dt.datetime(2026, 9, 30, 12, 0, tzinfo=BERLIN)
    with pytest.raises(InvalidInput) as caught:
        ledger.record_disclosure(deps, A, key, "enisa", "enisa-final-report", before_fix, "sent")
    assert caught.value.field == "at"
    assert "fix_available" in caught.value.problem
    assert obligation(deps, key, FINAL).status is ObligationStatus.OPEN


def test_a_cra_final_report_six_days_late_is_met_late(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = exploited_case(deps, actor, clock)
    clock.set(dt.datetime(2026, 10, 21, 23, 0, tzinfo=BERLIN))
    ref = approved_final_report(deps, key)
    clock.set(dt.datetime(2026, 10, 22, 0, 30, tzinfo=BERLIN))
    entry = ledger.record_submission(
        deps, A, ref, dt.datetime(2026, 10, 22, 0, 0, tzinfo=BERLIN), "ENISA-77"
    )
    found = obligation(deps, key, FINAL)
    assert found.status is ObligationStatus.MET_LATE
    assert found.met_ref == entry.ref
    assert found.late_by == dt.timedelta(days=6)
    assert found.late_by_seconds == 6 * 86400


def test_a_house_sla_twelve_days_late_is_met_late(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, aware=dt.datetime(2026, 9, 20, tzinfo=SHANGHAI))
    verified = dt.datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI)
    cases.record_fact(deps, actor, case.key, "verified", verified, "lab")
    sla = obligation(deps, case.key, "house-sla/remediate")
    assert sla.due == dt.datetime(2026, 10, 9, tzinfo=SHANGHAI)
    fixed = dt.datetime(2026, 10, 21, tzinfo=SHANGHAI)
    cases.record_fact(deps, actor, case.key, "fix_available", fixed, "release")
    sla = obligation(deps, case.key, "house-sla/remediate")
    assert sla.status is ObligationStatus.MET_LATE
    assert sla.late_by == dt.timedelta(days=12)
    # Met on time is plain met, with no lateness.
    on_time = dt.datetime(2026, 10, 8, 23, 0, tzinfo=SHANGHAI)
    cases.record_fact(deps, actor, case.key, "fix_available", on_time, "earlier", correct=True)
    sla = obligation(deps, case.key, "house-sla/remediate")
    assert (sla.status, sla.late_by, sla.late_by_seconds) == (ObligationStatus.MET, None, None)


def test_the_on_time_rate_counts_met_late_as_missed(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed(deps, actor)
    week_dates = [dt.datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI)] * 2
    for verified, fixed in zip(
        week_dates,
        (dt.datetime(2026, 10, 5, tzinfo=SHANGHAI), dt.datetime(2026, 10, 20, tzinfo=SHANGHAI)),
        strict=True,
    ):
        case = open_case(deps, actor, aware=dt.datetime(2026, 9, 20, tzinfo=SHANGHAI))
        cases.record_fact(deps, actor, case.key, "verified", verified, "lab")
        cases.record_fact(deps, actor, case.key, "fix_available", fixed, "release")
    house = case_views.compliance(deps, COORDINATOR)["house-sla"]
    week = [w for w in house if w.due]
    assert [(w.due, w.on_time, w.late) for w in week] == [(2, 1, 1)]
    assert week[0].rate == 0.5


def test_a_backdated_submission_waits_for_a_second_person(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = exploited_case(deps, actor, clock)
    clock.set(dt.datetime(2026, 10, 21, 23, 0, tzinfo=BERLIN))
    ref = approved_final_report(deps, key)
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC))  # eleven days after the claim
    claimed = dt.datetime(2026, 10, 22, 0, 0, tzinfo=BERLIN)
    with pytest.raises(InvalidInput) as caught:
        ledger.record_submission(deps, A, ref, claimed, "ENISA-77")
    assert caught.value.field == "justification"
    assert "24 h" in caught.value.problem

    entry = ledger.record_submission(
        deps, A, ref, claimed, "ENISA-77", justification="Portal receipt found in the mail archive"
    )
    assert entry.backdated and entry.backdate_pending
    assert entry.entry.at == claimed and entry.entry.recorded_at == clock.now()
    assert obligation(deps, key, FINAL).status is ObligationStatus.OVERDUE
    row = ledger.export_row(ledger.list_entries(deps, key)[0])
    assert (row["backdated"], row["backdate_status"]) == (True, "pending")
    assert "backdate_justification" not in row  # free text stays with the case
    shown = ledger.show_entry(deps, A, entry.id)
    assert (
        shown.backdate
        and shown.backdate.justification == "Portal receipt found in the mail archive"
    )

    with pytest.raises(GuardFailed, match="second person"):
        claims.approve_backdate(deps, A, entry.id)
    with pytest.raises(GuardFailed, match="backdate"):
        approvals.approve_decision(deps, B, entry.backdate_decision or 0)
    approved = claims.approve_backdate(deps, B, entry.id)
    assert approved.backdated and not approved.backdate_pending
    assert approved.backdate_approvers == ("analyst-a", "approver-b")
    found = obligation(deps, key, FINAL)
    assert (found.status, found.late_by, found.met_ref) == (
        ObligationStatus.MET_LATE,
        dt.timedelta(days=6),
        entry.ref,
    )
    row = ledger.export_row(ledger.list_entries(deps, key)[0])
    assert (row["backdated"], row["backdate_status"]) == (True, "approved")
    third = as_person("third", "test", unit="de")
    accounts_for(deps, third)
    with pytest.raises(GuardFailed, match="already"):
        claims.approve_backdate(deps, third, entry.id)


def test_a_recent_claim_needs_no_justification_and_an_old_one_names_the_limit(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = exploited_case(deps, actor, clock)
    clock.advance(dt.timedelta(hours=30))
    recent = clock.now() - dt.timedelta(hours=23)
    entry = ledger.record_disclosure(deps, A, key, "enisa", "other", recent, "a call")
    assert not entry.backdated and entry.backdate_decision is None
    assert ledger.export_row(entry)["backdate_status"] is None
    with pytest.raises(GuardFailed, match="not backdated"):
        claims.approve_backdate(deps, B, entry.id)
    older = clock.now() - dt.timedelta(hours=25)
    with pytest.raises(InvalidInput) as caught:
        ledger.record_disclosure(deps, A, key, "enisa", "other", older, "a call", justification=" ")
    assert caught.value.field == "justification"
    kept = ledger.record_disclosure(
        deps, A, key, "enisa", "other", older, "a call", justification="minutes of the call"
    )
    assert kept.backdated and kept.backdate_pending


def test_migration_0012_turns_stored_late_meetings_into_met_late(
    container: Container, actor: Principal, clock: SettableClock
) -> None:
    deps = container.deps()
    seed(deps, actor)
    case = open_case(deps, actor, aware=dt.datetime(2026, 9, 20, tzinfo=SHANGHAI))
    verified = dt.datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI)
    cases.record_fact(deps, actor, case.key, "verified", verified, "lab")
    fixed = dt.datetime(2026, 10, 21, tzinfo=SHANGHAI)
    cases.record_fact(deps, actor, case.key, "fix_available", fixed, "release")
    config = migrate.alembic_config(container.engine)
    command.downgrade(config, "0011")
    with container.engine.connect() as conn:
        stored = conn.execute(text(STATUS), {"id": "house-sla/remediate"}).scalar_one()
    assert stored == "met"  # as 0011 knew it
    container.migrate()
    sla = obligation(deps, case.key, "house-sla/remediate")
    assert (sla.status, sla.late_by) == (ObligationStatus.MET_LATE, dt.timedelta(days=12))


def test_a_claim_in_the_same_minute_as_aware_stands(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    """The console's form gives the instant to the minute; a report filed at 15:42:01 and a
    disclosure claimed at 15:42 (the same minute) is not "before the vulnerability was known"."""
    seed(deps, actor)
    aware = dt.datetime(2026, 10, 1, 15, 42, 1, 830000, tzinfo=dt.UTC)
    clock.set(aware + dt.timedelta(minutes=1))
    key = open_case(deps, actor, unit="de", details=DETAILS, aware=aware).key
    release = approvals.record_decision(deps, A, "release", key, "enisa", "CRA Art. 14")
    approvals.approve_decision(deps, B, release.id)
    same_minute = aware.replace(second=0, microsecond=0)
    entry = ledger.record_disclosure(deps, A, key, "enisa", "other", same_minute, "a call")
    assert entry.entry.at == same_minute
    with pytest.raises(InvalidInput, match="aware"):
        ledger.record_disclosure(
            deps, A, key, "enisa", "other", same_minute - dt.timedelta(seconds=1), "a call"
        )

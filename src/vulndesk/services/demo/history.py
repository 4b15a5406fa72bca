"""The demo's disclosure history: NVDB filings made through the real use cases by demo accounts,
one on time and one late, so the ledger, the oversight view and the clocks show both; and
notices to a customer and two CSIRTs, one unequal and one with a secret field, each let out by
two people's decisions, so the exposure view has something to show."""

from __future__ import annotations

from vulndesk.services.access import rights as access
from vulndesk.services.context import Deps
from vulndesk.services.demo import content
from vulndesk.services.demo.content import Demo, History, Notice
from vulndesk.services.demo.replay import LOADER, account, case_by_title
from vulndesk.services.disclosure import ledger
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

FILINGS = content.read().history.filings


def load(deps: Deps, demo: Demo | None = None) -> int:
    """Draft, approve (two people, one from headquarters) and record each demo filing; then
    tell the notices. Returns the number of filings."""
    history = (demo or content.read()).history
    drafter = account(deps, history.drafter)
    for filing in history.filings:
        key = case_by_title(deps, filing.case)
        draft = reports.draft_report(deps, drafter, key, filing.report_kind, filing.recipient)
        for approver in history.approvers:
            approvals.approve(deps, account(deps, approver), draft.ref)
        ledger.record_submission(deps, drafter, draft.ref, deps.clock.now(), filing.receipt)
    for notice in history.notices:
        _notice(deps, history, notice)
    return len(history.filings)


def _notice(deps: Deps, history: History, notice: Notice) -> None:
    key = case_by_title(deps, notice.case)
    # The two who decide, one of whom tells, must be on the case (need-to-know).
    for name in history.approvers:
        access.set_member(deps, LOADER, key, name, True)
    first, second = (account(deps, name) for name in history.approvers)
    for decision in notice.decisions:
        recorded = approvals.record_decision(
            deps, first, decision.kind, key, notice.recipient, decision.reason, decision.fields
        )
        approvals.approve_decision(deps, second, recorded.id)
    ledger.record_disclosure(
        deps,
        first,
        key,
        notice.recipient,
        notice.kind,
        deps.clock.now(),
        notice.said,
        notice.channel,
        notice.fields,
    )

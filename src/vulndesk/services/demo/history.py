"""The demo's disclosure history: NVDB filings made through the real use cases by demo accounts,
one on time and one late, so the ledger, the oversight view and the clocks show both; and
notices to a customer and two CSIRTs, one unequal and one with a secret field, each let out by
two people's decisions, so the exposure view has something to show."""

from __future__ import annotations

from dataclasses import dataclass

from vulndesk.domain.ids import CaseKey
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger
from vulndesk.services.ports import CaseFilter
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports


@dataclass(frozen=True, slots=True)
class Filing:
    """A demo filing: the case (by title), who drafts and approves, and the portal's receipt."""

    title: str
    receipt: str


# The first is filed within its 48-hour window; the second, known for twenty days, is filed
# today and reads `met_late` wherever its clock is shown.
FILINGS = (
    Filing("Stack overflow in AX Router web admin", "NVDB-2026-100231"),
    Filing("Default credentials on IP camera telnet", "NVDB-2026-100232"),
)
DRAFTER = "analyst-cn"
APPROVERS = ("approver-cn", "approver-hq")


def _as(deps: Deps, name: str) -> Principal:
    """The demo account `name` as a principal, with its stored roles and unit."""
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
    return access.person(user.name, user.roles, user.unit, source="demo")


def _case_by_title(deps: Deps, title: str) -> CaseKey:
    with deps.uow() as uow:
        found = [c.key for c in uow.cases.list(CaseFilter(limit=1000)) if c.title == title]
    if len(found) != 1:
        raise LookupError(f"demo case {title!r} not found once")
    return found[0]


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice outside vulndesk's drafts, and the decisions (kind, fields, reason) it needs."""

    title: str
    recipient: str
    kind: str
    fields: tuple[str, ...]
    said: str
    decisions: tuple[tuple[str, tuple[str, ...], str], ...] = ()


# The customer hears less than CNCERT (an equal-treatment exception, justified by two people);
# CERT-Bund gets the trigger location (a secret field, released by exception).
NOTICES = (
    Notice(
        "Stack overflow in AX Router web admin",
        "telco-cn",
        "user-notice",
        ("summary",),
        "Told the operator's NOC that a fix is being prepared; no details yet.",
    ),
    Notice(
        "Stack overflow in AX Router web admin",
        "cncert",
        "csirt-notice",
        ("summary", "harm"),
        "Told CNCERT/CC of the flaw and its harm for national coordination.",
        (
            ("justification", (), "CNCERT coordinates the response for Chinese operators"),
            ("release", ("summary", "harm"), "CSIRT coordination under RMSV Art. 7"),
        ),
    ),
    Notice(
        "OpenSSL flaw reachable through VPN handshake",
        "cert-bund",
        "csirt-notice",
        ("summary", "trigger_location"),
        "Gave CERT-Bund the trigger location to check German operators' exposure.",
        (
            ("exception", ("trigger_location",), "exploited in Germany; BSI asked for it"),
            ("release", ("summary", "trigger_location"), "CSIRT coordination"),
        ),
    ),
)


def load(deps: Deps) -> int:
    """Draft, approve (two people, one from headquarters) and record each demo filing."""
    for filing in FILINGS:
        key = _case_by_title(deps, filing.title)
        drafter = _as(deps, DRAFTER)
        draft = reports.draft_report(deps, drafter, key, "nvdb", "miit-nvdb")
        for approver in APPROVERS:
            approvals.approve(deps, _as(deps, approver), draft.ref)
        ledger.record_submission(deps, drafter, draft.ref, deps.clock.now(), filing.receipt)
    for notice in NOTICES:
        _notice(deps, notice)
    return len(FILINGS)


def _notice(deps: Deps, notice: Notice) -> None:
    key = _case_by_title(deps, notice.title)
    # The two who decide, one of whom tells, must be on the case (need-to-know).
    staff = access.person("demo-loader", {"admin"}, source="demo")
    for name in APPROVERS:
        access.set_member(deps, staff, key, name, True)
    for kind, fields, reason in notice.decisions:
        decision = approvals.record_decision(
            deps, _as(deps, APPROVERS[0]), kind, key, notice.recipient, reason, fields
        )
        approvals.approve_decision(deps, _as(deps, APPROVERS[1]), decision.id)
    ledger.record_disclosure(
        deps,
        _as(deps, APPROVERS[0]),
        key,
        notice.recipient,
        notice.kind,
        deps.clock.now(),
        notice.said,
        "email",
        notice.fields,
    )

"""What needs a person now, on the cases they own or are members of: approvals waiting for
them, overdue obligations (escalations) and reporters' messages nobody has answered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.drafts import DraftStatus
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps
from vulndesk.services.ports import UnitOfWork

# The cases looked at per person: their newest memberships first.
MAX_CASES = 200
WAIVER = "waiver"


class NeedKind(StrEnum):
    APPROVAL = "approval"  # a draft or a waiver awaits this person's approval
    ESCALATION = "escalation"  # an obligation on the case is overdue
    MESSAGE = "message"  # the reporter wrote last


@dataclass(frozen=True, slots=True)
class Need:
    """One thing that needs the person; `what` is a draft ref, an obligation id or a tracking
    id, never case content."""

    kind: NeedKind
    case: CaseKey
    what: str
    at: dt.datetime | None


def _approvals(uow: UnitOfWork, p: Principal, key: CaseKey) -> list[Need]:
    if not p.has(access.APPROVERS):
        return []
    out = [
        Need(NeedKind.APPROVAL, key, d.ref, d.draft.created_at)
        for d in uow.reports.drafts_for_case(key)
        if d.status is DraftStatus.DRAFT and p.name not in d.approvers
    ]
    out += [
        Need(NeedKind.APPROVAL, key, d.obligation or "", d.created_at)
        for d in uow.reports.decisions_for(key)
        if d.kind == WAIVER and not d.approved and p.name not in d.approvers
    ]
    return out


def _case_needs(uow: UnitOfWork, p: Principal, key: CaseKey) -> list[Need]:
    out = _approvals(uow, p, key)
    out += [
        Need(NeedKind.ESCALATION, key, o.id, o.due)
        for o in uow.obligations.for_case(key)
        if o.status is ObligationStatus.OVERDUE
    ]
    tracking = uow.cases.get(key).intake_id
    if tracking:
        messages = uow.intake.messages(tracking)
        if messages and messages[-1].author == "reporter":
            out.append(Need(NeedKind.MESSAGE, key, tracking, messages[-1].at))
    return out


def needs(deps: Deps, principal: Principal) -> list[Need]:
    """What needs the principal on their own cases, approvals first, then the oldest first."""
    principal.require(access.ACCOUNT_HOLDERS)
    if not principal.has(access.CASE_READERS):
        return []
    with deps.reader() as uow:
        keys = uow.accounts.member_cases(principal.name)[-MAX_CASES:]
        found = [n for key in keys for n in _case_needs(uow, principal, key)]
    order = list(NeedKind)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda n: (order.index(n.kind), n.at or far, n.case))

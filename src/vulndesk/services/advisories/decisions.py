"""The two-person decisions that let an advisory reach the public: recorded and listed per case.

Publishing tells the public party; the disclosure guard refuses until a decision two people
approved lifts a failed check (`cross-border` for RMSV Art. 9(7), `justification` for equal
dissemination, `exception` for fields beyond the public's policy, `release` for two-person
approval). These are the decisions of `vulndesk report decide` with the public as recipient.
"""

from __future__ import annotations

from vulndesk.domain.decisions import Decision
from vulndesk.domain.parties import PartyKind
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import APPROVERS, Principal
from vulndesk.services.advisories.publish import public_party
from vulndesk.services.context import Deps
from vulndesk.services.reports import approvals
from vulndesk.services.reports.drafts import CROSS_BORDER, EXCEPTION, JUSTIFICATION

# The guard's check -> the decision kind that lifts it.
LIFTS = {
    "cross-border": CROSS_BORDER,
    "equal-dissemination": JUSTIFICATION,
    "policy": EXCEPTION,
}
KINDS = approvals.DECISION_KINDS


def public_decisions(deps: Deps, principal: Principal, case: str) -> list[Decision]:
    """The case's decisions whose recipient is the public (none when no public party exists)."""
    key = access.check_case(deps, principal, case)
    principal.require(access.CASE_READERS)
    with deps.uow() as uow:
        public = [p.id for p in uow.parties.list() if p.kind is PartyKind.PUBLIC]
        found = uow.reports.decisions_for(key)
    return [d for d in found if d.recipient in public and d.kind in KINDS]


def record(
    deps: Deps,
    principal: Principal,
    case: str,
    kind: str,
    reason: str,
    fields: tuple[str, ...] = (),
) -> Decision:
    """Propose a decision for publishing the case's advisory; a second approver approves it."""
    key = access.check_case(deps, principal, case)
    principal.require(APPROVERS, "write")
    with deps.uow() as uow:
        public = public_party(uow)
    return approvals.record_decision(
        deps, principal, kind, str(key), str(public.id), reason, fields
    )


def approve(deps: Deps, principal: Principal, case: str, decision_id: int) -> Decision:
    """A second (different) approver approves a decision of this case."""
    return approvals.approve_decision(deps, principal, decision_id, case)

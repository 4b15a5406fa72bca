"""Waiving an obligation: one signed-in account proposes, a second approves, then it is waived.

A waiver lifts a legal deadline, so it is a decision of kind `waiver` that two different
people approve: the proposer (a coordinator or administrator, approving by proposing) and a
second, active account with an approving role and need-to-know on the case. Until then the
obligation keeps its status (open or overdue). Both acts are audit events naming the
obligation and the decision, never the reason; the decision and its approvals are evidence
bound to the audit chain. See docs/decisions/0016-two-person-waivers.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.decisions import Decision
from vulndesk.domain.errors import Conflict, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey, PartyId
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access import rights as access
from vulndesk.services.access.approvers import approving_account
from vulndesk.services.access.rights import APPROVERS, WAIVERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.notify import need_mail
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.drafts import WAIVER

WAIVABLE = frozenset({ObligationStatus.OPEN, ObligationStatus.OVERDUE})
APPROVE_HINT = "the second person approves with their own account: `vulndesk case waive-approve`"


@dataclass(frozen=True, slots=True)
class Waiver:
    """A proposed waiver of one obligation and who approved it (its proposer first)."""

    id: int
    case: CaseKey
    obligation: str
    reason: str
    proposed_by: str
    proposed_at: dt.datetime
    approvers: tuple[str, ...]
    approved: bool

    @property
    def status(self) -> str:
        """`pending` until a second person approves it, then `approved`."""
        return "approved" if self.approved else "pending"


def _waiver(d: Decision) -> Waiver:
    return Waiver(
        d.id,
        d.case,
        d.obligation or "",
        d.reason,
        d.created_by,
        d.created_at,
        d.approvers,
        d.approved,
    )


def _obligation(uow: UnitOfWork, key: CaseKey, obligation_id: str) -> CaseObligation:
    found = next((o for o in uow.obligations.for_case(key) if o.id == obligation_id), None)
    if found is None:
        raise NotFound("obligation", obligation_id)
    return found


def _waivers(uow: UnitOfWork, key: CaseKey) -> list[Waiver]:
    return [_waiver(d) for d in uow.reports.decisions_for(key) if d.kind == WAIVER]


def propose(deps: Deps, principal: Principal, case: str, obligation_id: str, reason: str) -> Waiver:
    """Propose waiving an open or overdue obligation; it takes effect once a second approves."""
    key = access.check_case(deps, principal, case)
    principal.require(WAIVERS, "write")
    actor = principal.acting()
    text = values.long_text("reason", reason.strip(), max_len=10_000)
    if not text:
        raise InvalidInput("reason", "is empty", "why the obligation does not apply")
    now = deps.clock.now()
    with deps.uow() as uow:
        user = approving_account(uow, actor.name, WAIVERS)
        found = _obligation(uow, key, obligation_id)
        if found.status not in WAIVABLE:
            raise InvalidInput("obligation", f"is {found.status.value}", "an open or overdue one")
        pending = [w for w in _waivers(uow, key) if w.obligation == found.id and not w.approved]
        if pending:
            raise Conflict(
                f"waiver {pending[0].id} of {found.id} is pending, proposed by "
                f"{pending[0].proposed_by}; {APPROVE_HINT}"
            )
        decision = uow.reports.add_decision(
            Decision(
                0,
                WAIVER,
                key,
                PartyId(found.obligation.recipient),
                None,
                (),
                text,
                now,
                user.name,
                (user.name,),
                obligation=found.id,
            )
        )
        uow.audit.append(
            actor.event(
                now,
                AuditTag.CASE_OBLIGATION_WAIVER_PROPOSED,
                "case",
                key,
                obligation=found.id,
                decision=str(decision.id),
            )
        )
        need_mail.queue_approval(uow, key, f"{need_mail.WAIVER}:{decision.id}", now)
        uow.commit()
    return _waiver(decision)


def _find(uow: UnitOfWork, key: CaseKey, ref: str) -> Waiver:
    """A waiver of the case by its decision id, or the newest of one obligation by its id."""
    found = _waivers(uow, key)
    chosen = [w for w in found if (str(w.id) == ref if ref.isdigit() else w.obligation == ref)]
    if not chosen:
        raise NotFound("waiver", ref)
    pending = [w for w in chosen if not w.approved]
    return pending[-1] if pending else chosen[-1]


def approve(deps: Deps, principal: Principal, case: str, ref: str) -> Waiver:
    """A second, different approver approves a waiver (named by id or by its obligation's id);
    the obligation is then waived. The proposer, or anyone twice, is refused."""
    key = access.check_case(deps, principal, case)
    principal.require(APPROVERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        user = approving_account(uow, actor.name)
        waiver = _find(uow, key, ref.strip())
        if waiver.approved:
            raise GuardFailed("pending", f"waiver {waiver.id} was already approved")
        if user.name in waiver.approvers:
            raise GuardFailed(
                "two-persons",
                f"{user.name} proposed or already approved waiver {waiver.id}; "
                "a second person must approve it with their own account",
            )
        items = uow.obligations.for_case(key)
        found = next((o for o in items if o.id == waiver.obligation), None)
        if found is None or found.status not in WAIVABLE:
            state = found.status.value if found else "no longer on the case"
            raise GuardFailed("waivable", f"{waiver.obligation} is {state}; nothing to waive")
        uow.reports.approve_decision(waiver.id, user.name, now)
        approvers = (*waiver.approvers, user.name)
        waived = replace(
            found, status=ObligationStatus.WAIVED, waived_reason=waiver.reason, waived_by=approvers
        )
        stored = uow.cases.get(key)
        uow.obligations.replace_for_case(
            key, stored.unit, [waived if o.id == found.id else o for o in items], now
        )
        uow.audit.append(
            actor.event(
                now,
                AuditTag.CASE_OBLIGATION_WAIVED,
                "case",
                key,
                obligation=found.id,
                decision=str(waiver.id),
            )
        )
        uow.commit()
    return replace(waiver, approvers=approvers, approved=True)


def list_waivers(deps: Deps, principal: Principal, case: str) -> list[Waiver]:
    """Every waiver proposed on a case the principal may see, oldest first."""
    key = access.check_case(deps, principal, case)
    principal.require(access.CASE_READERS)
    with deps.uow() as uow:
        return _waivers(uow, key)


def pending(deps: Deps, principal: Principal, case: str) -> dict[str, Waiver]:
    """The waivers awaiting a second person, by obligation id."""
    return {w.obligation: w for w in list_waivers(deps, principal, case) if not w.approved}

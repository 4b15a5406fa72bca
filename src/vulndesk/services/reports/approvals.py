"""Two-person approval of drafts, decision records, and the checks an approval must pass.

Checks: the cross-border rule of RMSV 2021 Art. 9(7) and equal dissemination among governments
and customers. Each is resolved only by a decision approved by two different people.

Cross-border reading: while a case handled by a unit in China is undisclosed (no `published`
fact), its vulnerability information may go only to recipients in China or to the product's
provider. The organisation is the provider of its own products; an upstream supplier named for
an affected product (or one of its components) is the provider of that component, so it may
be told. Anyone else abroad (ENISA, foreign CSIRTs, customers, the public) needs an approved
`cross-border` decision recording why, e.g. the CRA Art. 14 duty to report to ENISA.

Approval judges a draft; what actually leaves is judged again by `services.disclosure_guard`
on every way out. A `release` decision is the two-person approval of a disclosure that has no
draft (a call, a notice, a ledger record) to a government or the public.
"""

from __future__ import annotations

from dataclasses import dataclass

from vulndesk.domain import drafts
from vulndesk.domain.accounts import User
from vulndesk.domain.audit_tags import AuditTag, decision_tag
from vulndesk.domain.cases import Case
from vulndesk.domain.decisions import Decision
from vulndesk.domain.disclosure import DETAIL_FIELDS
from vulndesk.domain.drafts import Approval, DraftRecord
from vulndesk.domain.errors import GuardFailed, InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey, PartyId, parse_case_key
from vulndesk.domain.parties import Party
from vulndesk.domain.policy import compare_disclosure
from vulndesk.services.access import approvers
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import APPROVERS, Principal
from vulndesk.services.context import Acts, Deps
from vulndesk.services.disclosure import guard as disclosure_guard
from vulndesk.services.disclosure.guard import received_by_others, recipient_of
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports import drafts as reports
from vulndesk.services.reports.drafts import (
    BACKDATE,
    CROSS_BORDER,
    EXCEPTION,
    JUSTIFICATION,
    RELEASE,
    WAIVER,
    load_draft,
)

REQUIRE_HQ = "reports.require_hq_approver"
DECISION_KINDS = (EXCEPTION, CROSS_BORDER, JUSTIFICATION, RELEASE)


@dataclass(frozen=True, slots=True)
class CaseConflict:
    """A rule a disclosure of the case runs into, and whether a decision resolves it."""

    rule: str
    recipient: PartyId
    draft: str
    message: str
    resolved_by: int | None


def cross_border_problem(uow: UnitOfWork, case: Case, party: Party) -> str | None:
    problem = disclosure_guard.cross_border_problem(uow, case, recipient_of(party))
    return f"RMSV Art. 9(7): {problem}" if problem else None


def _approved(
    decisions: list[Decision], kind: str, recipient: PartyId, draft: int | None
) -> Decision | None:
    for d in decisions:
        same = d.kind == kind and d.recipient == recipient
        if same and d.approved and (draft is None or d.draft_id == draft):
            return d
    return None


def conflicts_for_draft(uow: UnitOfWork, record: DraftRecord) -> list[CaseConflict]:
    d = record.draft
    case = uow.cases.get(d.case)
    party = uow.parties.get(d.recipient)
    decisions = uow.reports.decisions_for(d.case)
    out = []
    problem = cross_border_problem(uow, case, party)
    if problem:
        found = _approved(decisions, CROSS_BORDER, party.id, None)
        out.append(
            CaseConflict(CROSS_BORDER, party.id, record.ref, problem, found.id if found else None)
        )
    findings = compare_disclosure(
        party, frozenset(d.fields), received_by_others(uow, d.case, party.id)
    )
    if findings:
        found = _approved(decisions, JUSTIFICATION, party.id, record.id)
        message = "; ".join(f.message for f in findings)
        out.append(
            CaseConflict(
                "equal-dissemination", party.id, record.ref, message, found.id if found else None
            )
        )
    return out


def case_conflicts(deps: Deps, principal: Principal, case: str) -> list[CaseConflict]:
    """Conflicts of the newest draft to each recipient of the case (for `case show` and the API)."""
    key = access.check_case(deps, principal, case)
    principal.require(access.CASE_READERS)
    with deps.uow() as uow:
        newest: dict[tuple[str, str], DraftRecord] = {}
        for d in uow.reports.drafts_for_case(key):
            newest[(d.draft.kind, d.draft.recipient)] = d
        return [c for d in newest.values() for c in conflicts_for_draft(uow, d)]


def unresolved(uow: UnitOfWork, record: DraftRecord) -> list[CaseConflict]:
    return [c for c in conflicts_for_draft(uow, record) if c.resolved_by is None]


def require_hq(uow: UnitOfWork) -> bool:
    return uow.org_settings.options().get(REQUIRE_HQ, "false") == "true"


def hq_rule(uow: UnitOfWork, record: DraftRecord, approval: Approval) -> drafts.HqRule | None:
    """The headquarters rule with the approvers' units as stored, or None when it is off."""
    if not require_hq(uow):
        return None
    units: dict[str, str | None] = {}
    for name in (*record.approvers, approval.actor):
        user = uow.accounts.find_user(name)
        units[name] = user.unit if user is not None else None
    top = frozenset(u.id for u in uow.units.list() if u.parent is None)
    return drafts.HqRule(units, top)


def approving_account(uow: UnitOfWork, actor: Acts) -> User:
    """The stored account behind `actor`, if it is active and holds an approving role."""
    return approvers.approving_account(uow, actor.name)


def check_current(uow: UnitOfWork, record: DraftRecord) -> None:
    d = record.draft
    latest = uow.reports.latest_version(d.case, d.kind, d.recipient)
    if d.version != latest:
        raise GuardFailed("current-version", f"{record.ref} was superseded by v{latest}")


def approve(
    deps: Deps, principal: Principal, ref: str, justification: str | None = None
) -> DraftRecord:
    """Add the principal's approval; the second different person makes the draft approved."""
    reports.visible_ref(deps, principal, ref)
    principal.require(APPROVERS, "write")
    actor = principal.acting()
    if justification:
        justify(deps, principal, ref, justification)
    now = deps.clock.now()
    with deps.uow() as uow:
        record = load_draft(uow, ref)
        check_current(uow, record)
        drafts.check_not_submitted(record)
        user = approving_account(uow, actor)
        drafts.check_new_approver(record, actor.name)
        blocking = unresolved(uow, record)
        if blocking:
            raise GuardFailed(
                blocking[0].rule, blocking[0].message + " (record an approved decision)"
            )
        approval = Approval(user.name, user.unit, now)
        approved = drafts.approve(record, approval, hq_rule(uow, record, approval))
        uow.reports.add_approval(record.id, approval)
        if approved.status != record.status:
            uow.reports.set_status(record.id, approved.status)
        uow.audit.append(
            actor.event(
                now, AuditTag.CASE_REPORT_APPROVED, "report", record.ref, record.draft.fields
            )
        )
        uow.commit()
    with deps.uow() as uow:
        return load_draft(uow, record.ref)


def _check_decision(kind: str, reason: str, fields: tuple[str, ...]) -> None:
    if kind not in DECISION_KINDS:
        raise InvalidInput("kind", f"{kind!r} is not a decision kind", ", ".join(DECISION_KINDS))
    if not reason.strip():
        raise InvalidInput("reason", "a decision needs a recorded reason", "a short sentence")
    unknown = [f for f in fields if f not in DETAIL_FIELDS]
    if unknown or (kind == EXCEPTION and not fields):
        raise InvalidInput(
            "fields",
            f"{unknown[0]!r} is not a case detail field" if unknown else "no field named",
            ", ".join(DETAIL_FIELDS),
        )


def _decided_about(
    uow: UnitOfWork, case: str, recipient: str, draft: str | None
) -> tuple[CaseKey, Party, int | None]:
    """The case, recipient and draft id a decision is about; a draft's own case and
    recipient win over the ones given."""
    key = parse_case_key(case)
    uow.cases.get(key)
    party = uow.parties.get(PartyId(recipient))
    if draft is None:
        return key, party, None
    record = load_draft(uow, draft)
    return record.draft.case, uow.parties.get(record.draft.recipient), record.id


def record_decision(
    deps: Deps,
    principal: Principal,
    kind: str,
    case: str,
    recipient: str,
    reason: str,
    fields: tuple[str, ...] = (),
    draft: str | None = None,
) -> Decision:
    """Record a decision proposed by the principal (its first approver); a second person
    approves it."""
    access.check_case(deps, principal, case)
    if draft is not None:
        reports.visible_ref(deps, principal, draft)
    principal.require(APPROVERS, "write")
    actor = principal.acting()
    _check_decision(kind, reason, fields)
    now = deps.clock.now()
    with deps.uow() as uow:
        approving_account(uow, actor)
        key, party, draft_id = _decided_about(uow, case, recipient, draft)
        decision = uow.reports.add_decision(
            Decision(
                0,
                kind,
                key,
                party.id,
                draft_id,
                tuple(sorted(fields)),
                reason.strip(),
                now,
                actor.name,
                (actor.name,),
            )
        )
        uow.audit.append(
            actor.event(
                now, decision_tag(kind, "recorded"), "decision", str(decision.id), decision.fields
            )
        )
        uow.commit()
    return decision


def justify(deps: Deps, principal: Principal, ref: str, reason: str) -> Decision:
    """Record (or second) the equal-dissemination justification for one draft version."""
    reports.visible_ref(deps, principal, ref)
    principal.require(APPROVERS, "write")
    actor = principal.acting()
    with deps.uow() as uow:
        record = load_draft(uow, ref)
        open_ones = [
            d
            for d in uow.reports.decisions_for(record.draft.case)
            if d.kind == JUSTIFICATION and d.draft_id == record.id
        ]
    for d in open_ones:
        if actor.name not in d.approvers:
            return approve_decision(deps, principal, d.id)
        if d.approved:
            return d
    if open_ones:
        return open_ones[0]
    return record_decision(
        deps,
        principal,
        JUSTIFICATION,
        record.draft.case,
        record.draft.recipient,
        reason,
        draft=record.ref,
    )


def _require_visible_decision(
    deps: Deps, principal: Principal, decision_id: int, case: str | None
) -> None:
    """Only approvers approve, a decision of a case they may see (and, with `case`, of that
    case); any other decision answers like a missing one."""
    if case is not None:
        key = access.check_case(deps, principal, case)
        principal.require(APPROVERS, "write")
        if decision_id not in {d.id for d in _decisions(deps, key)}:
            raise NotFound("decision", str(decision_id))
    else:
        # Visibility first: a decision of a hidden case answers like a missing one.
        if not principal.has(access.CASE_READERS):
            raise NotFound("decision", str(decision_id))
        try:
            access.check_case(deps, principal, decision_case(deps, decision_id))
        except NotFound:
            raise NotFound("decision", str(decision_id)) from None
        principal.require(APPROVERS, "write")


def _refuse_approved_elsewhere(decision: Decision) -> None:
    """Backdates and waivers are approved through their own use cases, which do more."""
    decision_id = decision.id
    if decision.kind == BACKDATE:
        # Approving a backdate also recomputes the case's clocks: one way in, in the ledger.
        raise GuardFailed(
            BACKDATE,
            f"decision {decision_id} justifies a backdated ledger entry; approve it with "
            "`vulndesk ledger approve-backdate ENTRY` or POST /api/v1/ledger/ENTRY/backdate-approval",
        )
    if decision.kind == WAIVER:
        # Approving a waiver also waives its obligation: one way in, with the case's checks.
        raise GuardFailed(
            WAIVER,
            f"decision {decision_id} waives {decision.obligation}; approve it with "
            f"`vulndesk case waive-approve {decision.case} {decision_id}` or "
            f"POST /api/v1/cases/{decision.case}/waivers/{decision_id}/approvals",
        )


def approve_decision(
    deps: Deps, principal: Principal, decision_id: int, case: str | None = None
) -> Decision:
    """A second (third…) person approves a decision; the same person twice is refused.

    With `case`, a decision of another case answers like a missing one; without it, the
    decision's own case must be visible to the principal.
    """
    _require_visible_decision(deps, principal, decision_id, case)
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        disclosure_guard.require_approver(uow, actor)
        decision = uow.reports.get_decision(decision_id)
        _refuse_approved_elsewhere(decision)
        approving_account(uow, actor)
        if actor.name in decision.approvers:
            raise GuardFailed(
                "two-persons",
                f"{actor.name} already approved decision {decision_id}; a second person must",
            )
        uow.reports.approve_decision(decision_id, actor.name, now)
        uow.audit.append(
            actor.event(
                now,
                decision_tag(decision.kind, "approved"),
                "decision",
                str(decision_id),
                decision.fields,
            )
        )
        uow.commit()
    with deps.uow() as uow:
        return uow.reports.get_decision(decision_id)


def decision_case(deps: Deps, decision_id: int) -> CaseKey:
    """The case a decision belongs to (for the caller's need-to-know check)."""
    with deps.uow() as uow:
        return uow.reports.get_decision(decision_id).case


def list_decisions(deps: Deps, principal: Principal, case: str) -> list[Decision]:
    """The decisions of a case the principal may see."""
    key = access.check_case(deps, principal, case)
    principal.require(access.CASE_READERS)
    return _decisions(deps, key)


def _decisions(deps: Deps, key: CaseKey) -> list[Decision]:
    with deps.uow() as uow:
        return uow.reports.decisions_for(key)

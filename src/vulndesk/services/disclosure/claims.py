"""Claimed instants of disclosures: what a claim may be, and backdated claims held for a second person.

A ledger entry keeps the instant claimed (`at`: when it was sent or said) and the instant the
server recorded it. A claim is refused when it lies in the future (beyond `MAX_FUTURE_SKEW`,
5 minutes of clock skew), before the case's `aware` fact, before the trigger of every
obligation it would meet, or (for a submission) before the minute of the draft's final
approval. A claim
more than `Deps.backdate_limit` (`VULNDESK_BACKDATE_LIMIT_HOURS`) before its recording is
backdated: it needs a justification, kept as a decision of kind `backdate` that its recorder
has approved, and meets no obligation until a second person approves it (`approve_backdate`).
See docs/decisions/0010-late-and-backdated.md.
"""

from __future__ import annotations

import datetime as dt

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.decisions import Decision
from vulndesk.domain.errors import GuardFailed, InvalidInput, NotFound
from vulndesk.domain.facts import MAX_FUTURE_SKEW, FactKind
from vulndesk.domain.ledger import Backdate, LedgerEntry, NewLedgerEntry
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Acts, Deps
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.approvals import approving_account
from vulndesk.services.reports.drafts import BACKDATE


def claimed_instant(at: str | dt.datetime, now: dt.datetime) -> dt.datetime:
    when = values.instant("at", at)
    if when > now + MAX_FUTURE_SKEW:
        raise InvalidInput(
            "at",
            f"{when.isoformat()} lies in the future (the server's clock reads {now.isoformat()})",
            "the instant it was sent or said, at most 5 minutes after the server's clock",
        )
    return when


def _minute(at: dt.datetime) -> dt.datetime:
    """`at` to the minute: people give a disclosure's instant to the minute (the console's
    form, a portal's receipt), so a claim in the same minute as the fact it follows stands."""
    return at.replace(second=0, microsecond=0)


def check_claim(
    uow: UnitOfWork, case: Case, kind: str, when: dt.datetime, approved_at: dt.datetime | None
) -> None:
    """Refuse a claimed instant before the case's `aware` fact, before the trigger of every
    obligation the disclosure would meet, or before the draft's final approval."""
    aware = case.instants.get(FactKind.AWARE)
    if aware is not None and when < _minute(aware):
        raise InvalidInput(
            "at",
            f"{when.isoformat()} lies before the case's aware fact ({aware.isoformat()}): "
            "the vulnerability was not known yet",
            f"the instant it was sent or said, at or after {aware.isoformat()}",
        )
    met = [
        o
        for o in uow.obligations.for_case(case.key)
        if o.obligation.satisfied_by.disclosure == kind
        and o.status is not ObligationStatus.NOT_APPLICABLE
    ]
    if met and all(when < _minute(o.obligation.trigger_at) for o in met):
        first = min(met, key=lambda o: o.obligation.trigger_at).obligation
        raise InvalidInput(
            "at",
            f"{when.isoformat()} lies before {first.trigger.value} "
            f"({first.trigger_at.isoformat()}), the trigger of {first.id} that a {kind} meets",
            f"the instant it was sent, at or after {first.trigger_at.isoformat()}",
        )
    # The approval moments before a submission falls in the same minute.
    earliest = _minute(approved_at) if approved_at else None
    if earliest is not None and when < earliest:
        raise InvalidInput(
            "at",
            f"{when.isoformat()} lies before the draft's approval ({earliest.isoformat()}); "
            "only an approved draft is submitted",
            f"the instant it was submitted, at or after {earliest.isoformat()}",
        )


def backdate_reason(
    deps: Deps, now: dt.datetime, when: dt.datetime, justification: str | None
) -> str | None:
    """The justification a claim older than the backdate limit needs; None for a recent one."""
    if now - when <= deps.backdate_limit:
        return None
    hours = int(deps.backdate_limit.total_seconds() // 3600)
    reason = (justification or "").strip()
    if not reason:
        raise InvalidInput(
            "justification",
            f"{when.isoformat()} lies {(now - when).total_seconds() / 3600:.0f} h before now, "
            f"more than the backdate limit of {hours} h",
            "--justification TEXT (API: justification) saying why it is recorded late; "
            "a second person approves it before it meets an obligation",
        )
    return values.long_text("justification", reason, max_len=2000)


def record_backdate(
    actor: Acts,
    uow: UnitOfWork,
    entry: NewLedgerEntry,
    draft_id: int | None,
    reason: str,
) -> int:
    """Store the backdate's justification as a decision its recorder has approved."""
    decision = uow.reports.add_decision(
        Decision(
            0,
            BACKDATE,
            entry.case,
            entry.recipient,
            draft_id,
            (),
            reason,
            entry.recorded_at,
            actor.name,
            (actor.name,),
        )
    )
    uow.audit.append(
        actor.event(
            entry.recorded_at,
            AuditTag.CASE_DECISION_BACKDATE_RECORDED,
            "decision",
            str(decision.id),
            case=entry.case,
        )
    )
    return decision.id


def _require_visible_entry(
    deps: Deps, principal: Principal, entry_id: int, case: str | None
) -> None:
    """Only approvers approve, an entry of a case they may see (and, with `case`, of that
    case); any other entry answers like a missing one."""
    missing = NotFound("ledger entry", str(entry_id))
    if not principal.has(access.CASE_READERS):
        raise missing
    if case is not None:
        key = access.check_case(deps, principal, case)
        principal.require(access.APPROVERS, "write")
        with deps.uow() as uow:
            if uow.ledger.get(entry_id).entry.case != key:
                raise missing
    else:
        with deps.uow() as uow:
            of = uow.ledger.get(entry_id).entry.case
        try:
            access.check_case(deps, principal, of)
        except NotFound:
            raise missing from None
        principal.require(access.APPROVERS, "write")


def _check_approvable(found: LedgerEntry, actor: Acts) -> Backdate:
    """The entry's pending backdate, which `actor` neither recorded nor approved already."""
    if found.backdate is None:
        raise GuardFailed("backdated", f"{found.ref} is not backdated; nothing to approve")
    if not found.backdate_pending:
        raise GuardFailed("pending", f"the backdate of {found.ref} was already approved")
    if actor.name in found.backdate.approvers:
        raise GuardFailed(
            "two-persons",
            f"{actor.name} recorded or already approved the backdate of {found.ref}; "
            "a second person must approve it",
        )
    return found.backdate


def approve_backdate(
    deps: Deps, principal: Principal, entry_id: int, case: str | None = None
) -> LedgerEntry:
    """A second person approves a backdated entry's justification; its clocks are recomputed.

    The recorder approved it by recording it; the same person again is refused. An entry of a
    case the principal may not see (or, with `case`, of another case) answers like a missing
    one; then only approvers approve.
    """
    _require_visible_entry(deps, principal, entry_id, case)
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        approving_account(uow, actor)
        found = uow.ledger.get(entry_id)
        backdate = _check_approvable(found, actor)
        uow.reports.approve_decision(backdate.decision, actor.name, now)
        uow.audit.append(
            actor.event(
                now,
                AuditTag.CASE_LEDGER_BACKDATE_APPROVED,
                "ledger",
                found.ref,
                case=found.entry.case,
                decision=str(backdate.decision),
            )
        )
        clocks.recompute(deps, uow, uow.cases.get(found.entry.case), now)
        uow.commit()
    with deps.uow() as uow:
        return uow.ledger.get(entry_id)

"""Use cases of the Art. 9 publication gate: gather what a publication would say, check it.

Art. 9(7) looks at everything that left before the publication: the publication shares and
every entry of the disclosure ledger (submissions, manual records, notices). Decisions lift a
check only once two different people have approved them (`decide`, then `approve_decision`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case, Role
from vulndesk.domain.coordination import board
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.embargo import EmbargoState, fold
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import parse_case_key
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.severity import CnGrade, SeverityLevel
from vulndesk.rules.publication import (
    Attachment,
    Blackout,
    Decision,
    DecisionKind,
    GateResult,
    PublicationInput,
    PublicationKind,
    Share,
    VendorStatus,
    check_publication,
)
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import (
    BLACKOUT_KEEPERS,
    CASE_READERS,
    CASE_WRITERS,
    DECIDERS,
    REFERENCE_READERS,
    Principal,
)
from vulndesk.services.context import Deps
from vulndesk.services.coordination.statuses import case_products
from vulndesk.services.disclosure import guard as disclosure_guard
from vulndesk.services.ports import UnitOfWork

_SHARE_FIELDS = ("recipient", "country", "at", "is_provider")
_GRADE_LEVEL = {
    CnGrade.SUPER_CRITICAL: SeverityLevel.CRITICAL,
    CnGrade.HIGH: SeverityLevel.HIGH,
    CnGrade.MEDIUM: SeverityLevel.MEDIUM,
    CnGrade.LOW: SeverityLevel.LOW,
}


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """A planned publication: kind, when, which non-public fields it adds, what it attaches."""

    case: str
    kind: str = "advisory"
    at: str | dt.datetime | None = None
    include: Sequence[str] = ()
    attachments: Sequence[Attachment] = ()
    stated_severity: str | None = None
    home: str = "CN"


def _included(case: Case, include: Sequence[str]) -> dict[str, str]:
    for name in include:
        if name not in DETAIL_FIELDS:
            raise InvalidInput(
                "include", f"{name!r} is not a case detail field", ", ".join(DETAIL_FIELDS)
            )
    return {
        name: text
        for name, text in case.details.items()
        if DETAIL_FIELDS[name] is Sensitivity.PUBLIC or name in include
    }


def _stated(case: Case, explicit: str | None) -> SeverityLevel | None:
    if explicit:
        return SeverityLevel.parse("stated_severity", explicit)
    grade = case.severity.cn_grade
    return _GRADE_LEVEL[grade] if grade else None


def ledger_shares(uow: UnitOfWork, case: Case) -> list[Share]:
    """Every disclosure in the ledger made before the case was published, as a share.

    Entries to the public are the publication itself, not a share.
    """
    published = case.instants.get(FactKind.PUBLISHED)
    out = []
    for e in uow.ledger.list(case.key):
        party = uow.parties.get(e.entry.recipient)
        if party.kind is PartyKind.PUBLIC or (published is not None and e.entry.at >= published):
            continue
        provider = disclosure_guard.is_provider(uow, case, disclosure_guard.recipient_of(party))
        out.append(Share(party.id, party.country, e.entry.at, provider))
    return out


def gather(uow: UnitOfWork, case: Case, req: CheckRequest, at: dt.datetime) -> PublicationInput:
    """The frozen input of the gate, from the case and the publication records."""
    embargo = fold(uow.coordination.embargo_events(case.key))
    binding = embargo.state in (EmbargoState.ACTIVE, EmbargoState.REVISE)
    sev = case.severity
    score = sev.cvss40_score if sev.cvss40_score is not None else sev.cvss31_score
    return PublicationInput(
        case=case.key,
        kind=PublicationKind.parse("kind", req.kind),
        at=at,
        roles=case.roles,
        facts=frozenset(case.instants),
        included=_included(case, req.include),
        home=values.country("home", req.home),
        attachments=tuple(req.attachments),
        blackouts=tuple(uow.publication.blackouts()),
        decisions=tuple(uow.publication.decisions(case.key)),
        shares=(*uow.publication.shares(case.key), *ledger_shares(uow, case)),
        event_type=case.options.get("event_type", "").lower() in {"1", "true", "yes"},
        stated_level=_stated(case, req.stated_severity),
        cvss_score=score,
        embargo_end=embargo.end if binding else None,
        embargo_zone=embargo.zone if binding else None,
        vendor=vendor_statuses(uow, case),
    )


def vendor_statuses(uow: UnitOfWork, case: Case) -> tuple[VendorStatus, ...]:
    """Third-party mode (RMSV Art. 9): what the tracked vendor, invited to the case as a
    participant, states of each product on the coordination board, approved by a second
    person; `no_answer` since its invitation while nothing is approved."""
    if Role.THIRD_PARTY not in case.roles:
        return ()
    tracking = uow.publication.vendor(case.key)
    if tracking is None:
        return ()
    vendor = [p for p in uow.coordination.participants(case.key) if p.party == tracking.vendor]
    if not vendor:
        return ()
    cells = board(vendor, case_products(uow, case.key), uow.coordination.statements(case.key))
    return tuple(
        VendorStatus(
            tracking.vendor,
            c.product,
            c.status.value,
            c.since,
            c.current.fixed_versions if c.current is not None else (),
        )
        for c in cells
    )


def check(deps: Deps, principal: Principal, req: CheckRequest) -> GateResult:
    """Run the gate; the check reads sensitive fields to judge them, so it is audited."""
    access.check_case(deps, principal, req.case)
    principal.require(CASE_READERS)
    actor = principal.acting()
    now = deps.clock.now()
    at = now if req.at is None else values.instant("at", req.at)
    with deps.uow() as uow:
        case = uow.cases.get(parse_case_key(req.case))
        result = check_publication(gather(uow, case, req, at))
        uow.audit.append(
            actor.event(
                now,
                AuditTag.PUBLICATION_GATE_CHECKED,
                "case",
                case.key,
                tuple(sorted(req.include)),
                kind=req.kind,
                result=result.result.value,
            )
        )
        uow.commit()
    return result


def add_blackout(
    deps: Deps,
    principal: Principal,
    name: str,
    start: str | dt.datetime,
    end: str | dt.datetime,
    note: str = "",
) -> Blackout:
    principal.require(BLACKOUT_KEEPERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    window = Blackout(
        values.text("name", name),
        values.instant("start", start),
        values.instant("end", end),
        values.long_text("note", note, max_len=2000),
    )
    if window.end <= window.start:
        raise InvalidInput("end", "is not after start", "an instant later than start")
    with deps.uow() as uow:
        uow.publication.add_blackout(window, actor.name, now)
        uow.audit.append(
            actor.event(now, AuditTag.PUBLICATION_BLACKOUT_ADDED, "blackout", window.name)
        )
        uow.commit()
    return window


def list_blackouts(deps: Deps, principal: Principal) -> list[Blackout]:
    principal.require(REFERENCE_READERS)
    with deps.uow() as uow:
        return uow.publication.blackouts()


def decide(
    deps: Deps, principal: Principal, case: str, kind: str, subject: str, note: str
) -> Decision:
    """Propose a decision that lifts a check (early publication, MPS consent, an exception).

    `actor` is its first approver; it takes effect once a second person approves it.
    """
    access.check_case(deps, principal, case)
    principal.require(DECIDERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    decision = Decision(
        DecisionKind.parse("kind", kind),
        values.text("subject", subject, required=False),
        actor.name,
        now,
        values.long_text("note", note, max_len=10_000),
    )
    if not decision.note.strip():
        raise InvalidInput(
            "note", "a decision needs its grounds", "who decided what, and on what basis"
        )
    with deps.uow() as uow:
        key = uow.cases.get(parse_case_key(case)).key
        saved = uow.publication.add_decision(key, decision)
        uow.audit.append(
            actor.event(
                now,
                AuditTag.PUBLICATION_DECISION_RECORDED,
                "case",
                key,
                (),
                kind=decision.kind.value,
                decision=str(saved.id),
            )
        )
        uow.commit()
    return saved


def approve_decision(deps: Deps, principal: Principal, case: str, decision_id: int) -> Decision:
    """A second (third...) different person approves a publication decision."""
    access.check_case(deps, principal, case)
    principal.require(DECIDERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        disclosure_guard.require_approver(uow, actor)
        key = uow.cases.get(parse_case_key(case)).key
        found = uow.publication.decision(key, decision_id)
        if actor.name in found.approvers:
            raise GuardFailed(
                "two-persons",
                f"{actor.name} already approved decision {decision_id}; a second person must",
            )
        uow.publication.approve_decision(decision_id, actor.name, now)
        uow.audit.append(
            actor.event(
                now,
                AuditTag.PUBLICATION_DECISION_APPROVED,
                "case",
                key,
                (),
                kind=found.kind.value,
                decision=str(decision_id),
            )
        )
        uow.commit()
    with deps.uow() as uow:
        return uow.publication.decision(key, decision_id)


def decisions(deps: Deps, principal: Principal, case: str) -> list[Decision]:
    access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    with deps.uow() as uow:
        return uow.publication.decisions(uow.cases.get(parse_case_key(case)).key)


def record_share(
    deps: Deps,
    principal: Principal,
    case: str,
    recipient: str,
    country: str,
    *,
    at: str | dt.datetime | None = None,
    is_provider: bool = False,
    note: str = "",
) -> Share:
    """Record that undisclosed information went to a named recipient (Art. 9(7) looks at these)."""
    access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    share = Share(
        values.text("recipient", recipient),
        values.country("country", country),
        now if at is None else values.instant("at", at),
        is_provider,
    )
    with deps.uow() as uow:
        found = uow.cases.get(parse_case_key(case))
        key = found.key
        recipient_ = disclosure_guard.Recipient(share.recipient, share.country, None, is_provider)
        disclosure_guard.require(uow, disclosure_guard.Outgoing(found, recipient_, way="share"))
        share_id = uow.publication.add_share(
            key, share, values.long_text("note", note, max_len=2000)
        )
        # The recipient is free text about the case: the event names the share, not its words.
        uow.audit.append(
            actor.event(
                now,
                AuditTag.PUBLICATION_SHARE_RECORDED,
                "case",
                key,
                _SHARE_FIELDS + (("note",) if note.strip() else ()),
                share=str(share_id),
            )
        )
        uow.commit()
    return share

"""Use cases for cases: open, record and correct facts, move through the lifecycle, read.

What opening a case checks and plans is in `cases.opening`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from vulndesk.domain import lifecycle, values
from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.audit_tags import AuditTag, fact_tag
from vulndesk.domain.cases import Case, CaseState, check_cwe, check_details
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import GuardFailed, InvalidInput, NotFound
from vulndesk.domain.facts import (
    FactKind,
    FactRecord,
    check_fact_order,
    next_revision,
)
from vulndesk.domain.ids import CaseKey, UserId, parse_case_key
from vulndesk.rules.scoring import assess
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import closing
from vulndesk.services.cases.opening import OpenCase, instant_at, plan_open, store_open
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Acts, Deps
from vulndesk.services.ports import CaseFilter, CaseSummary, UnitOfWork


def open_case(deps: Deps, principal: Principal, req: OpenCase) -> Case:
    """Open a case with its `aware` fact; clocks start in the same transaction.

    An opener without access to every case becomes a member, so the case stays visible to them.
    """
    principal.require(access.CASE_OPENERS, "write")
    if not principal.has(access.ALL_CASES) and principal.name not in req.members:
        req = replace(req, members=(*req.members, principal.name))
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        case = store_open(deps, uow, plan_open(deps, uow, actor, req, now))
        uow.commit()
    return case


def _evidence(evidence: str) -> str:
    evidence = values.long_text("evidence", evidence, max_len=10_000)
    if not evidence.strip():
        raise InvalidInput(
            "evidence", "every fact needs an evidence note", "a sentence on how it is known"
        )
    return evidence


def _check_fact_change(case: Case, fact: FactKind, *, retract: bool, correct: bool) -> None:
    """A retraction names a recorded fact other than `aware`; a recorded fact is only corrected."""
    if retract and fact not in case.instants:
        raise InvalidInput("fact", f"{fact.value} is not recorded on {case.key}", "a recorded fact")
    if retract and fact is FactKind.AWARE:
        raise GuardFailed(
            "aware-required",
            "aware starts every clock and cannot be retracted; correct it instead",
        )
    if not retract and fact in case.instants and not correct:
        raise InvalidInput(
            "fact",
            f"{fact.value} is already recorded ({case.instants[fact].isoformat()})",
            "--correct to record a correction (the earlier value stays in history)",
        )


def _check_facts_hold(updated: Case, fact: FactKind) -> None:
    """The facts after the change are in order and still those the case's state needs."""
    check_fact_order(updated.instants)
    if not lifecycle.facts_allow(updated.state, set(updated.instants)):
        raise GuardFailed(
            f"facts-for-{updated.state.value}",
            f"retracting {fact.value} would leave state {updated.state.value} without its facts",
        )


def record_fact(
    deps: Deps,
    principal: Principal,
    key: str,
    kind: str,
    at: str | dt.datetime | None,
    evidence: str,
    *,
    retract: bool = False,
    correct: bool = False,
) -> Case:
    """Record a fact, or correct it (a new revision; the old value stays in history)."""
    case_key = access.check_case(deps, principal, key)
    principal.require(access.CASE_WRITERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    fact = FactKind.parse("fact", kind)
    evidence = _evidence(evidence)
    with deps.uow() as uow:
        case = uow.cases.get(case_key)
        when = None if retract else instant_at("at", at, now)
        _check_fact_change(case, fact, retract=retract, correct=correct)
        record = FactRecord(fact, when, actor.name, now, evidence, next_revision(case.facts, fact))
        updated = case.with_fact(record)
        _check_facts_hold(updated, fact)
        saved = uow.cases.save(updated, now)
        action = "retracted" if retract else ("corrected" if record.revision > 1 else "recorded")
        uow.audit.append(actor.event(now, fact_tag(action), "case", case_key, (fact.value,)))
        clocks.recompute(deps, uow, saved, now)
        uow.commit()
    return saved


def acknowledge_reporter(
    deps: Deps, uow: UnitOfWork, actor: Acts, key: CaseKey, now: dt.datetime
) -> bool:
    """Record the first reply to the reporter as `reporter_acknowledged`, in the caller's
    transaction; later replies change nothing. True when the fact was recorded now."""
    case = uow.cases.get(key)
    if FactKind.REPORTED not in case.instants or FactKind.REPORTER_ACKNOWLEDGED in case.instants:
        return False
    record = FactRecord(
        FactKind.REPORTER_ACKNOWLEDGED, now, actor.name, now, "first reply to the reporter"
    )
    saved = uow.cases.save(case.with_fact(record), now)
    uow.audit.append(
        actor.event(
            now, AuditTag.CASE_FACT_RECORDED, "case", key, (FactKind.REPORTER_ACKNOWLEDGED.value,)
        )
    )
    clocks.recompute(deps, uow, saved, now)
    return True


def _check_duplicate_of(uow: UnitOfWork, case: Case, dup: CaseKey | None) -> None:
    """The case a duplicate duplicates exists and is another one."""
    if dup is not None:
        if dup == case.key:
            raise GuardFailed("duplicate-of", "a case cannot duplicate itself")
        uow.cases.get(dup)


def _state_changed(actor: Acts, now: dt.datetime, case: Case, target: CaseState) -> AuditEvent:
    return actor.event(
        now,
        AuditTag.CASE_STATE_CHANGED,
        "case",
        case.key,
        (),
        from_state=case.state.value,
        to_state=target.value,
    )


def transition(
    deps: Deps,
    principal: Principal,
    key: str,
    to: str,
    reason: str,
    duplicate_of: str | None = None,
    not_applicable: Mapping[str, str] | None = None,
) -> Case:
    """Move a case along its lifecycle; guards name what is missing.

    Closing needs every open or overdue obligation resolved; `not_applicable` (obligation id
    -> reason) marks the named ones not applicable in the same transaction (`closing`).
    """
    key = access.check_case(deps, principal, key)
    principal.require(access.CASE_WRITERS, "write")
    marks = closing.checked_reasons(not_applicable)
    if duplicate_of:
        access.check_case(deps, principal, duplicate_of)
    actor = principal.acting()
    now = deps.clock.now()
    target = CaseState.parse("to", to)
    if marks and target is not CaseState.CLOSED:
        raise InvalidInput("not_applicable", "applies to a close only", "to: closed")
    dup = parse_case_key(duplicate_of) if duplicate_of else None
    with deps.uow() as uow:
        case = uow.cases.get(parse_case_key(key))
        _check_duplicate_of(uow, case, dup)
        moved = lifecycle.transition(
            case, target, by=actor.name, at=now, reason=reason, duplicate_of=dup
        )
        marked = (
            closing.resolve_for_close(uow, principal, case, marks, now)
            if target is CaseState.CLOSED
            else []
        )
        saved = uow.cases.save(moved, now)
        uow.audit.append_many([*marked, _state_changed(actor, now, case, target)])
        uow.commit()
    return saved


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case as shown to a person, with its clocks."""

    case: Case
    obligations: list[CaseObligation]


def sensitive_fields(case: Case) -> tuple[str, ...]:
    return tuple(sorted(k for k in case.details if DETAIL_FIELDS[k] is not Sensitivity.PUBLIC))


def show_case(deps: Deps, principal: Principal, key: str) -> CaseView:
    """Read a case the principal may see, with its details; the read of sensitive fields is
    audited."""
    case_key = access.check_case(deps, principal, key)
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        case = uow.cases.get(case_key)
        obligations = uow.obligations.for_case(case.key)
        uow.audit.append(
            actor.event(now, AuditTag.CASE_DETAILS_READ, "case", case.key, sensitive_fields(case))
        )
        uow.commit()
    return CaseView(case, obligations)


def read_visible_case(deps: Deps, principal: Principal, key: str) -> CaseView:
    """The case with its clocks if `who` may see it, from a read-only transaction; the same
    NotFound for a case that is missing and one the caller may not see.

    Records nothing: the caller must record the read (`record_case_read`) and see it committed
    before it shows the case to anyone. Reading first keeps the decryption and the reads out
    of the shared writing transaction, which then only appends the audit event.
    """
    case_key = parse_case_key(key)
    if not principal.has(access.CASE_READERS):
        raise NotFound("case", case_key)
    with deps.reader() as uow:
        keys = access.visible_cases(uow, principal)
        if keys is not None and case_key not in keys:
            raise NotFound("case", case_key)
        case = uow.cases.get(case_key)
        obligations = uow.obligations.for_case(case.key)
    return CaseView(case, obligations)


def record_case_read(deps: Deps, actor: Acts, case: Case) -> None:
    """The audit event of a read of `case`'s details, naming the sensitive fields read."""
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.audit.append(
            actor.event(now, AuditTag.CASE_DETAILS_READ, "case", case.key, sensitive_fields(case))
        )
        uow.commit()


def list_cases(deps: Deps, principal: Principal, flt: CaseFilter) -> tuple[list[CaseSummary], int]:
    """The cases the principal may see that match `flt`; no sensitive details."""
    principal.require(access.CASE_READERS)
    flt = access.case_filter(deps, principal, flt)
    if flt.limit < 1 or flt.limit > 500:
        raise InvalidInput("limit", f"{flt.limit} is out of range", "1-500")
    if flt.offset < 0:
        raise InvalidInput("offset", "must not be negative", ">= 0")
    allowed = {
        "-updated",
        "updated",
        "-created",
        "created",
        "key",
        "-key",
        "-score",
        "score",
        "due",
    }
    if flt.order not in allowed:
        raise InvalidInput("sort", f"{flt.order!r} is not a sort order", ", ".join(sorted(allowed)))
    with deps.reader() as uow:
        return uow.cases.list(flt), uow.cases.count(flt)


def update_case(deps: Deps, principal: Principal, key: str, **changes: object) -> Case:
    """Edit descriptive fields (title, cwe, scores, details, members, options)."""
    case_key = access.check_case(deps, principal, key)
    principal.require(access.CASE_WRITERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        case = uow.cases.get(case_key)
        new = replace(case)
        if "title" in changes:
            new = replace(new, title=values.text("title", str(changes["title"]), max_len=300))
        if "cwe" in changes:
            new = replace(new, cwe=check_cwe(str(changes["cwe"]) if changes["cwe"] else None))
        if {"cvss31", "cvss40", "cn_grade"} & set(changes):
            sev = case.severity
            new = replace(
                new,
                severity=assess(
                    _opt(changes, "cvss31", sev.cvss31_vector),
                    _opt(changes, "cvss40", sev.cvss40_vector),
                    _opt(changes, "cn_grade", sev.cn_grade.value if sev.cn_grade else None),
                ),
            )
        if "details" in changes:
            merged = {**case.details, **dict(changes["details"])}  # type: ignore[call-overload]
            new = replace(new, details=check_details({k: v for k, v in merged.items() if v}))
        if "members" in changes:
            new = replace(new, members=tuple(UserId(str(m)) for m in changes["members"]))  # type: ignore[attr-defined]
        saved = uow.cases.save(new, now)
        uow.audit.append(
            actor.event(now, AuditTag.CASE_UPDATED, "case", case.key, tuple(sorted(changes)))
        )
        clocks.recompute(deps, uow, saved, now)
        uow.commit()
    return saved


def _opt(changes: Mapping[str, object], name: str, default: str | None) -> str | None:
    if name not in changes:
        return default
    value = changes[name]
    return str(value) if value else None


def case_exists(uow: UnitOfWork, key: CaseKey) -> bool:
    try:
        uow.cases.get(key)
    except NotFound:
        return False
    return True

"""Closing a case: every open or overdue regulator obligation must be resolved first.

An obligation is resolved when it is met (its fact or disclosure recorded), waived (two
persons, `services.clocks.waivers`) or marked not applicable with a reason by the person who
closes the case (a coordinator or administrator, the roles that may propose a waiver). A close
that leaves one open is refused naming each; see docs/decisions/0033-closing-with-obligations.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from vulndesk.domain import values
from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access.rights import NOT_APPLICABLE_MARKERS, Principal
from vulndesk.services.ports import UnitOfWork

UNRESOLVED = frozenset({ObligationStatus.OPEN, ObligationStatus.OVERDUE})
RESOLVE_HINT = (
    "meet it (record its fact or disclosure), waive it (two persons) or mark it "
    "not applicable with a reason"
)


def unresolved(items: list[CaseObligation]) -> list[CaseObligation]:
    """The obligations a close must resolve: open or overdue ones, soonest due first."""
    found = [o for o in items if o.status in UNRESOLVED]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda o: (o.due or far, o.id))


def checked_reasons(marks: Mapping[str, str] | None) -> dict[str, str]:
    """Obligation id -> reason, each reason checked; blank reasons are dropped (no mark)."""
    found: dict[str, str] = {}
    for obligation_id, reason in (marks or {}).items():
        text = values.long_text("not_applicable", reason.strip(), max_len=2_000)
        if text:
            found[obligation_id.strip()] = text
    return found


def resolve_for_close(
    uow: UnitOfWork,
    principal: Principal,
    case: Case,
    marks: Mapping[str, str],
    now: dt.datetime,
) -> list[AuditEvent]:
    """Mark the named obligations not applicable, in the caller's transaction, or refuse the
    close naming every obligation still open; the audit events of the marks are returned."""
    items = uow.obligations.for_case(case.key)
    open_items = unresolved(items)
    known = {o.id for o in open_items}
    stray = sorted(set(marks) - known)
    if stray:
        raise InvalidInput(
            "not_applicable",
            f"{stray[0]} is not an open obligation of {case.key}",
            ", ".join(sorted(known)) or "none is open",
        )
    left = [o.id for o in open_items if o.id not in marks]
    if left:
        raise GuardFailed(
            "obligations-resolved",
            f"{case.key} cannot be closed while {len(left)} regulator obligation(s) are open: "
            f"{', '.join(left)}; for each, {RESOLVE_HINT}",
        )
    if marks and not principal.has(NOT_APPLICABLE_MARKERS):
        raise GuardFailed(
            "not-applicable-role",
            "only a coordinator or an administrator may mark an obligation not applicable",
        )
    if not marks:
        return []
    marked = {
        o.id: replace(
            o,
            status=ObligationStatus.NOT_APPLICABLE,
            waived_reason=marks[o.id],
            waived_by=(principal.name,),
        )
        for o in open_items
    }
    uow.obligations.replace_for_case(case.key, case.unit, [marked.get(o.id, o) for o in items], now)
    return [
        principal.event(
            now, AuditTag.CASE_OBLIGATION_NOT_APPLICABLE, "case", case.key, (), obligation=oid
        )
        for oid in sorted(marked)
    ]

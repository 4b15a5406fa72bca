"""Reading the audit trail: verifying the chain, listing events, one case's events, and the
auditor's search by case, actor, tag and period; each read checks the principal (auditors and
administrators; case members for their own cases).

Events name fields, never their values, so the search shows no case content. A search is a
read of the trail, not of a case: it is not itself audited (the trail would otherwise grow
with every look at it).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, replace

from vulndesk.domain.audit import ChainedEvent, VerifyResult
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import parse_case_key
from vulndesk.services.access import rights as access
from vulndesk.services.access.ledger import case_exists
from vulndesk.services.access.rights import AUDIT_READERS, CASE_READERS, Principal
from vulndesk.services.audit import checkpoints
from vulndesk.services.context import Deps
from vulndesk.services.ports import AuditQuery, UnitOfWork


def verify_chain(deps: Deps, principal: Principal) -> VerifyResult:
    """Walk the whole hash chain, the stored head and the evidence rows (auditors, admins)."""
    principal.require(AUDIT_READERS)
    return checkpoints.verify(deps)


def events(deps: Deps, principal: Principal, start: int, limit: int) -> list[ChainedEvent]:
    """Audit events in chain order from `start` on (auditors, admins)."""
    principal.require(AUDIT_READERS)
    return checkpoints.list_events(deps, start, limit)


def case_events(deps: Deps, principal: Principal, key: str, limit: int = 200) -> list[ChainedEvent]:
    """One case's audit events, newest first: auditors see any case, others the cases they see.

    A case the principal may not see answers like a missing one (NotFound).
    """
    if principal.has(CASE_READERS) or not principal.has(AUDIT_READERS):
        case_key = access.check_case(deps, principal, key)
    else:
        principal.require(AUDIT_READERS)
        case_key = case_exists(deps, key)
    with deps.uow() as uow:
        return uow.audit.for_object("case", case_key, limit)


PAGE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class TrailSearch:
    """What the auditor asked for, as typed (empty: any); dates are days in `zone`."""

    case: str = ""
    actor: str = ""
    tag: str = ""
    since: str = ""
    until: str = ""
    zone: str = "UTC"
    page: int = 1


@dataclass(frozen=True, slots=True)
class TrailPage:
    """One page of matching events, newest first, and whether an older page follows."""

    events: list[ChainedEvent]
    page: int
    more: bool


def _day(field: str, text: str, zone: str, *, end: bool = False) -> dt.datetime | None:
    if not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(field, f"{text[:20]!r} is not a date", "YYYY-MM-DD") from exc
    start = dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(zone))
    return start + dt.timedelta(days=1) if end else start


def query_of(search: TrailSearch) -> AuditQuery:
    """The storage query for a search, each part checked and named when wrong."""
    if not 1 <= search.page <= MAX_PAGE:
        raise InvalidInput("page", f"{search.page} is out of range", f"1-{MAX_PAGE}")
    tag = search.tag.strip()
    if tag and tag not in {t.value for t in AuditTag}:
        raise InvalidInput("tag", f"{tag[:64]!r} is not an audit tag", "a tag from the list")
    case = parse_case_key(search.case.strip()) if search.case.strip() else None
    since = _day("since", search.since, search.zone)
    until = _day("until", search.until, search.zone, end=True)
    if since and until and until <= since:
        raise InvalidInput("until", "is before the start of the period", "a day on or after it")
    return AuditQuery(
        object_type="case" if case else None,
        object_id=case,
        actor=search.actor.strip()[:200] or None,
        tag=tag or None,
        since=since,
        until=until,
        limit=PAGE + 1,
        offset=(search.page - 1) * PAGE,
    )


def _related(uow: UnitOfWork, case: str) -> tuple[tuple[str, str], ...]:
    """A case's decisions and ledger entries: their events belong to the case's trail."""
    key = parse_case_key(case)
    decisions = [("decision", str(d.id)) for d in uow.reports.decisions_for(key)]
    return (*decisions, *(("ledger", e.ref) for e in uow.ledger.list(key)))


def search(deps: Deps, principal: Principal, wanted: TrailSearch) -> TrailPage:
    """One page of the audit trail matching `wanted`, for auditors and administrators."""
    principal.require(AUDIT_READERS)
    query = query_of(wanted)
    with deps.reader() as uow:
        if query.object_type == "case" and query.object_id is not None:
            query = replace(query, related=_related(uow, query.object_id), prefixed=("report",))
        found = uow.audit.search(query)
    return TrailPage(found[:PAGE], wanted.page, len(found) > PAGE)

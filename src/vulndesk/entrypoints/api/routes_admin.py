"""Administration routes: rule options, calendar overrides, the audit trail (waivers:
`routes_waivers`).

Rule options and calendar overrides are for administrators; auditors and administrators verify the audit chain and
read any case's audit events (names of fields, never their values).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    container,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_admin_models import (
    AuditEventOut,
    CalendarChangeOut,
    CalendarIn,
    CalendarOut,
    FilingOut,
    OptionChangeOut,
    OptionIn,
    OptionOut,
    PolicyIn,
    PolicyOut,
    VerifyOut,
)
from vulndesk.services.access.rights import Principal
from vulndesk.services.audit import trail as audit_trail
from vulndesk.services.background.ports import CalendarOverride, OrgSetting
from vulndesk.services.clocks import options as obligations_admin
from vulndesk.services.context import Deps
from vulndesk.services.publication import thirdparty
from vulndesk.services.reports import drafts as reports

router = APIRouter(prefix="/api/v1", tags=["admin"], responses=ERROR_RESPONSES)


def _option(o: OrgSetting) -> dict[str, Any]:
    return {"key": o.key, "value": o.value, "updated_at": o.updated_at, "updated_by": o.updated_by}


@router.get("/admin/options", response_model=list[OptionOut])
def list_options(who: CurrentPrincipal, d: CurrentDeps) -> list[dict[str, Any]]:
    """Organisation-wide rule options in force."""
    return [_option(o) for o in obligations_admin.list_options(d, who)]


def _set_option(
    request: Request, d: Deps, who: Principal, key: str, value: str | None
) -> OptionChangeOut:
    n = obligations_admin.set_option(d, who, container(request).rule_sets, key, value)
    return OptionChangeOut(key=key, value=value, recomputed=n)


OptionKey = Annotated[str, Path(max_length=120)]


@router.put("/admin/options/{key}", response_model=OptionChangeOut)
def set_option(
    key: OptionKey,
    body: OptionIn,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> OptionChangeOut:
    """Set `<rule-set>.<option>`; every open case's clocks are recomputed."""
    return _set_option(request, d, who, key, body.value)


@router.delete("/admin/options/{key}", response_model=OptionChangeOut)
def clear_option(
    key: OptionKey, request: Request, who: CurrentPrincipal, d: CurrentDeps
) -> OptionChangeOut:
    """Back to the rule set's default; every open case's clocks are recomputed."""
    return _set_option(request, d, who, key, None)


def _day(o: CalendarOverride) -> dict[str, Any]:
    return {
        "country": o.country,
        "day": o.day,
        "working": o.working,
        "note": o.note,
        "updated_at": o.updated_at,
        "updated_by": o.updated_by,
    }


@router.get("/admin/calendar", response_model=list[CalendarOut])
def list_calendar(
    who: CurrentPrincipal,
    d: CurrentDeps,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
) -> list[dict[str, Any]]:
    """Working-day overrides of the country calendars."""
    return [_day(o) for o in obligations_admin.list_calendar(d, who, country)]


@router.put("/admin/calendar/{country}/{day}", response_model=CalendarChangeOut)
def set_calendar_day(
    country: Annotated[str, Path(min_length=2, max_length=2)],
    day: dt.date,
    body: CalendarIn,
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> CalendarChangeOut:
    """Declare a date a working day or not; every open case's clocks are recomputed."""
    n = obligations_admin.set_calendar_day(
        d, who, country, day.isoformat(), body.working, body.note
    )
    return CalendarChangeOut(country=country.upper(), day=day, working=body.working, recomputed=n)


@router.get("/audit/verify", response_model=VerifyOut, tags=["audit"])
def verify_audit(who: CurrentPrincipal, d: CurrentDeps) -> VerifyOut:
    """Walk the whole hash chain; `first_bad` names the first event that does not verify."""
    r = audit_trail.verify_chain(d, who)
    return VerifyOut(
        ok=r.ok, checked=r.checked, first_bad=r.first_bad, problem=r.problem, head=r.head
    )


@router.get("/cases/{key}/audit", response_model=list[AuditEventOut], tags=["audit"])
def case_audit(
    key: Annotated[str, Path(max_length=32)],
    who: CurrentPrincipal,
    d: CurrentDeps,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Audit events about one case, newest first: auditors see any case, others their own."""
    events = audit_trail.case_events(d, who, key, limit)
    return [
        {
            "seq": e.seq,
            "at": e.event.at,
            "actor": e.event.actor,
            "tag": e.event.tag,
            "object_type": e.event.object_type,
            "object_id": e.event.object_id,
            "fields": list(e.event.fields),
            "source": e.event.source,
            "detail": dict(e.event.detail),
            "hash": e.hash,
        }
        for e in events
    ]


@router.put("/admin/policies/{party}", response_model=PolicyOut)
def set_policy(
    party: Annotated[str, Path(max_length=63)],
    body: PolicyIn,
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> PolicyOut:
    """Give one recipient its own disclosure grant instead of its kind's (never secret classes)."""
    grant = reports.set_override(d, who, party, tuple(body.classes), tuple(body.fields))
    return PolicyOut(
        party=party,
        classes=sorted(c.value for c in grant.classes),
        fields=sorted(grant.fields),
    )


@router.get("/admin/filing", response_model=FilingOut)
def show_filing(who: CurrentPrincipal, d: CurrentDeps) -> dict[str, Any]:
    """The collection platform's filing (RMSV Art. 10); it holds personal data, so reads are audited."""
    return thirdparty.filing_document(thirdparty.filing(d, who))


@router.put("/admin/filing", response_model=FilingOut)
def set_filing(body: dict[str, str], who: CurrentPrincipal, d: CurrentDeps) -> dict[str, Any]:
    """Store the filing content; unknown fields are refused by name."""
    return thirdparty.filing_document(thirdparty.set_filing(d, who, body))

"""Console forms of a case's CVE ids: reserve, attach to the advisory, publish, update, reject.

The same use cases as `vulndesk cve ...` and `/api/v1/cases/{key}/cves`; the services check
roles and need-to-know. The case page shows the ids (section "CVE ids"); a refusal re-shows it
with the reason and the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from vulndesk.domain.errors import InvalidInput, Unavailable
from vulndesk.domain.ids import CaseKey
from vulndesk.entrypoints.web.pages_cases import case_page, not_found, visible_key
from vulndesk.entrypoints.web.pages_cases_forms import _submit
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services.advisories import cve

router = APIRouter(include_in_schema=False)
ANCHOR = "cve-ids"


def _run(
    request: Request,
    who: Viewer,
    key: str,
    form: dict[str, str],
    action: Callable[[CaseKey], object],
) -> Response:
    """`_submit` of the case forms, and CVE Services not answering shown as a 502 there."""
    try:
        return _submit(request, who, key, ANCHOR, form, action)
    except Unavailable as exc:
        case_key = visible_key(who, key)
        if case_key is None:
            return not_found(request)
        return case_page(request, who, case_key, {f"{ANCHOR}.": str(exc)}, form, status=502)


@router.post("/cases/{key}/cves")
def reserve(
    request: Request,
    key: str,
    who: CurrentViewer,
    amount: Annotated[str, Form(max_length=4)] = "1",
    year: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    """Reserve CVE ids for the case at CVE Services."""
    form = {"cve_amount": amount, "cve_year": year}

    def run(case_key: CaseKey) -> object:
        given = _number("amount", amount)
        count = 1 if given is None else given
        return cve.reserve(
            who.deps,
            who.principal,
            who.container.cve_services,
            case_key,
            count,
            _number("year", year),
        )

    return _run(request, who, key, form, run)


def _number(name: str, text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise InvalidInput(name, f"{value[:8]!r} is not a number", "a whole number")
    return int(value)


@router.post("/cases/{key}/cves/{cve_id}/attach")
def attach(request: Request, key: str, cve_id: str, who: CurrentViewer) -> Response:
    """Name the id in the case's advisory (a new revision to approve)."""
    return _run(request, who, key, {}, lambda k: cve.attach(who.deps, who.principal, k, cve_id))


@router.post("/cases/{key}/cves/{cve_id}/publish")
def publish(request: Request, key: str, cve_id: str, who: CurrentViewer) -> Response:
    """Publish the CVE record of a reserved id from the approved advisory."""
    c = who.container
    return _run(
        request,
        who,
        key,
        {},
        lambda k: cve.publish(who.deps, who.principal, c.advisory_setup, c.cve_services, k, cve_id),
    )


@router.post("/cases/{key}/cves/{cve_id}/update")
def update(request: Request, key: str, cve_id: str, who: CurrentViewer) -> Response:
    """Send the newest approved advisory revision as the published record's update."""
    c = who.container
    return _run(
        request,
        who,
        key,
        {},
        lambda k: cve.update(who.deps, who.principal, c.advisory_setup, c.cve_services, k, cve_id),
    )


@router.post("/cases/{key}/cves/{cve_id}/reject")
def reject(
    request: Request,
    key: str,
    cve_id: str,
    who: CurrentViewer,
    reason: Annotated[str, Form(max_length=cve.MAX_REASON)] = "",
) -> Response:
    """Reject a reserved id or a published record; the reason is published with it."""
    c = who.container
    return _run(
        request,
        who,
        key,
        {"cve_reason": reason},
        lambda k: cve.reject(
            who.deps, who.principal, c.advisory_setup, c.cve_services, k, cve_id, reason
        ),
    )

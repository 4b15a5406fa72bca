"""Console oversight page: every government submission across units, and the notices to HQ."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vulndesk.domain.errors import Forbidden
from vulndesk.entrypoints.web.pages_reports import not_found
from vulndesk.entrypoints.web.render import render
from vulndesk.entrypoints.web.session import CurrentViewer
from vulndesk.services.reports import oversight

router = APIRouter(include_in_schema=False)


@router.get("/oversight")
def oversight_page(request: Request, who: CurrentViewer) -> Response:
    deps, p = who.deps, who.principal
    try:
        rows = oversight.government_submissions(deps, p)
        notices, hq_required = oversight.notices(deps, p, 200), oversight.hq_required(deps, p)
    except Forbidden:
        # Others get the same page as for a missing address: the page's existence is no
        # secret, but nothing on it is theirs to see.
        return not_found(request)
    return render(
        request,
        "console/oversight/index.html",
        submissions=sorted(rows, key=lambda s: s.at, reverse=True),
        notices=notices,
        hq_required=hq_required,
    )

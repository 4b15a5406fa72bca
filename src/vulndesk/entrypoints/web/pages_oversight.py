"""Console oversight page: every government submission across units, and the notices to HQ."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vulndesk.entrypoints.web.pages_reports import not_found
from vulndesk.entrypoints.web.render import render
from vulndesk.entrypoints.web.session import CurrentViewer
from vulndesk.services.access.rights import OVERSIGHT
from vulndesk.services.reports import oversight

router = APIRouter(include_in_schema=False)


@router.get("/oversight")
def oversight_page(request: Request, who: CurrentViewer) -> Response:
    # Others get the same page as for a missing address: the page's existence is no secret,
    # but nothing on it is theirs to see.
    if not who.principal.has(OVERSIGHT):
        return not_found(request)
    deps = who.deps
    submissions = sorted(oversight.government_submissions(deps), key=lambda s: s.at, reverse=True)
    return render(
        request,
        "console/oversight/index.html",
        submissions=submissions,
        notices=oversight.notices(deps, 200),
        hq_required=oversight.hq_required(deps),
    )

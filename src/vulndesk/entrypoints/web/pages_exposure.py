"""Console exposure page: what each government knows and for how long, and the board report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.web.pages_reports import not_found
from vulndesk.entrypoints.web.render import render
from vulndesk.entrypoints.web.session import CurrentViewer
from vulndesk.exporters.reports import exposure as exposure_export
from vulndesk.services.access.rights import EXPOSURE_READERS
from vulndesk.services.cases import reference
from vulndesk.services.disclosure import exposure

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Query(max_length=40)]


# Late and overdue duties listed on the page, longest due first; the reports (CSV, JSON, PDF,
# HTML) hold every one. At 200,000 cases there were 30,000 rows: a 6 MB page.
LATE_SHOWN = 200


@router.get("/oversight/exposure")
def exposure_page(
    request: Request, who: CurrentViewer, start: Text = "", end: Text = "", unit: Text = ""
) -> Response:
    # Others get the page of a missing address: nothing here is theirs to see.
    if not who.principal.has(EXPOSURE_READERS):
        return not_found(request)
    query = {"from": start, "to": end, "unit": unit}
    units = [u.id for u in reference.list_units(who.deps)]
    try:
        period = exposure.parse_period(start or None, end or None, unit or None)
        report = exposure.build(
            who.deps, who.principal, period, who.container.rule_sets, late_rows=LATE_SHOWN
        )
    except InvalidInput as exc:
        return render(
            request, "console/oversight/exposure.html", status=400, error=exc, report=None,
            query=query, units=units, shown=LATE_SHOWN,
        )  # fmt: skip
    return render(
        request,
        "console/oversight/exposure.html",
        report=report,
        query=query,
        units=units,
        error=None,
        shown=LATE_SHOWN,
    )


@router.get("/oversight/exposure/report")
def exposure_download(
    request: Request,
    who: CurrentViewer,
    start: Text = "",
    end: Text = "",
    unit: Text = "",
    fmt: Annotated[str, Query(alias="format", max_length=8)] = "pdf",
) -> Response:
    """The board report as a file, in the format asked for."""
    if not who.principal.has(EXPOSURE_READERS) or fmt not in exposure_export.FORMATS:
        return not_found(request)
    period = exposure.parse_period(start or None, end or None, unit or None)
    data = exposure.as_json(
        exposure.build(who.deps, who.principal, period, who.container.rule_sets)
    )
    body = exposure_export.render(data, fmt, who.container.pdf_renderer.render)
    name = f'attachment; filename="vulndesk-exposure.{fmt}"'
    return Response(
        body, media_type=exposure_export.MEDIA_TYPES[fmt], headers={"Content-Disposition": name}
    )

"""Exposure routes: what each government knows and for how long, as data or the board report.

Building a report is a read recorded in the audit trail (the report names that event), so
`GET /exposure` appends one audit event and nothing else. Verifying a saved report creates
nothing, so its POST takes no Idempotency-Key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from vulndesk.entrypoints.api.auth import CurrentDeps, CurrentPrincipal, container
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.exporters.reports import exposure as exposure_export
from vulndesk.services.disclosure import exposure

router = APIRouter(prefix="/api/v1", tags=["exposure"], responses=ERROR_RESPONSES)
Text = Annotated[str | None, Query(max_length=40)]


class VerificationOut(BaseModel):
    ok: bool
    detail: str


@router.get("/exposure", response_model=None)
def exposure_report(
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    unit: Annotated[str | None, Query(max_length=63)] = None,
    format: Literal["json", "csv", "html", "pdf"] = "json",
) -> Response:
    """Exposure per government, country, unit and customer; inequalities; late filings with
    their statutory ranges (not legal advice). Every figure names its ledger entries."""
    c = container(request)
    report = exposure.build(d, who, exposure.parse_period(start, end, unit), c.rule_sets)
    data = exposure.as_json(report)
    if format == "json":
        return JSONResponse(data)
    body = exposure_export.render(data, format, c.pdf_renderer.render)
    return Response(body, media_type=exposure_export.MEDIA_TYPES[format])


@router.post("/exposure/verify", response_model=VerificationOut)
def verify_exposure_report(
    body: dict[str, Any], who: CurrentPrincipal, d: CurrentDeps
) -> dict[str, Any]:
    """Whether a saved JSON report still follows from an intact audit chain and ledger."""
    result = exposure.verify_report(d, who, body)
    return {"ok": result.ok, "detail": result.problem}

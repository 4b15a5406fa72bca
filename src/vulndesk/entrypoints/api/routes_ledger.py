"""Ledger and oversight routes: disclosures (list, show, export, record) and headquarters views.

Auditors, headquarters oversight and administrators read every ledger entry's metadata; other
case readers see the entries of the cases visible to them. The exact content sent is given
only to callers with need-to-know on the entry's case.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vulndesk.entrypoints.api.auth import (
    CurrentActor,
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_reports_models import (
    DisclosureIn,
    LedgerEntryOut,
    LedgerRowOut,
    ledger_row,
)
from vulndesk.services.access import ledger as access_ledger
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import claims, ledger
from vulndesk.services.reports import oversight

router = APIRouter(prefix="/api/v1", tags=["ledger"], responses=ERROR_RESPONSES)
CaseQuery = Annotated[str | None, Query(max_length=32)]


class NdjsonResponse(Response):
    media_type = "application/x-ndjson"


class SubmissionOut(BaseModel):
    at: dt.datetime = Field(description="The instant claimed")
    recorded_at: dt.datetime
    backdated: bool
    backdate_status: Literal["pending", "approved"] | None
    late_by_seconds: int | None = Field(
        description="How late the obligation this submission met was met; null when on time"
    )
    case: str
    unit: str
    recipient: str
    recipient_kind: str
    disclosure_kind: str
    classes: list[str]
    approvers: list[str]
    receipt: str | None
    sha256: str


class NoticeOut(BaseModel):
    id: int
    created_at: dt.datetime
    case: str
    event: str
    draft_ref: str
    recipient: str


class SubscriberIn(BaseModel):
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)


class SubscriberOut(BaseModel):
    name: str
    email: str


class HqRuleIn(BaseModel):
    required: bool


class HqRuleOut(BaseModel):
    required: bool


case_exists = access_ledger.case_exists
_entries = access_ledger.entries


@router.get("/ledger", response_model=list[LedgerRowOut])
def list_ledger(who: CurrentPrincipal, d: CurrentDeps, case: CaseQuery = None) -> list[Any]:
    """Disclosures, oldest first, without their content."""
    return [ledger_row(e) for e in _entries(d, who, case)]


@router.get(
    "/ledger/export",
    response_class=NdjsonResponse,
    responses={
        200: {"description": "One disclosure per line (JSON lines)"},
        # Errors stay JSON; without this FastAPI would document them as JSON lines.
        "4XX": {
            "description": "Refused: see error.code and error.field",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    },
)
def export_ledger(who: CurrentPrincipal, d: CurrentDeps, case: CaseQuery = None) -> Response:
    """JSON lines: one disclosure per line with the SHA-256 of what was sent (no content)."""
    lines = [
        json.dumps(ledger.export_row(e), ensure_ascii=False, sort_keys=True) + "\n"
        for e in _entries(d, who, case)
    ]
    return NdjsonResponse("".join(lines))


@router.get("/ledger/{entry}", response_model=LedgerEntryOut)
def show_ledger_entry(
    entry: Annotated[int, Path(ge=1, le=2**31 - 1)],
    who: CurrentPrincipal,
    actor: CurrentActor,
    d: CurrentDeps,
) -> dict[str, Any]:
    """One disclosure; with its exact content (an audited read) when the case is visible."""
    full, sees_case = access_ledger.entry(d, who, entry)
    if not sees_case:
        return ledger_row(full) | {"content": None, "backdate_justification": None}
    return ledger_row(full) | {
        "content": full.entry.content,
        "backdate_justification": full.backdate.justification if full.backdate else None,
    }


@router.post("/cases/{key}/ledger", response_model=LedgerRowOut, status_code=201)
def record_disclosure(
    key: Annotated[str, Path(max_length=32)],
    body: DisclosureIn,
    request: Request,
    who: CurrentPrincipal,
    actor: CurrentActor,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Record a disclosure made outside vulndesk (a call, a meeting); clocks are recomputed."""

    def create(j: Deps) -> LedgerRowOut:
        entry = ledger.record_disclosure(
            j,
            who,
            key,
            body.recipient,
            body.kind,
            body.at,
            body.said,
            body.channel,
            body.fields,
            body.justification,
        )
        return LedgerRowOut.model_validate(ledger_row(entry))

    return idempotent(request, who, idem, body, create)


@router.post("/ledger/{entry}/backdate-approval", response_model=LedgerRowOut)
def approve_backdate(
    entry: Annotated[int, Path(ge=1, le=2**31 - 1)],
    who: CurrentPrincipal,
    actor: CurrentActor,
    d: CurrentDeps,
) -> dict[str, Any]:
    """Approve a backdated entry's justification as the second person; clocks are recomputed.

    Approvers only; the person who recorded the entry is refused (409).
    """
    return ledger_row(claims.approve_backdate(d, who, entry))


@router.get("/oversight/submissions", response_model=list[SubmissionOut], tags=["oversight"])
def submissions(who: CurrentPrincipal, d: CurrentDeps) -> list[dict[str, Any]]:
    """Every disclosure to a regulator or CSIRT across all units (no content)."""
    return [
        {
            "at": s.at,
            "recorded_at": s.recorded_at,
            "backdated": s.backdate_status is not None,
            "backdate_status": s.backdate_status,
            "late_by_seconds": None if s.late_by is None else int(s.late_by.total_seconds()),
            "case": s.case,
            "unit": s.unit,
            "recipient": s.recipient,
            "recipient_kind": s.recipient_kind,
            "disclosure_kind": s.disclosure_kind,
            "classes": list(s.classes),
            "approvers": list(s.approvers),
            "receipt": s.receipt,
            "sha256": s.sha256,
        }
        for s in oversight.government_submissions(d, who)
    ]


@router.get("/oversight/notices", response_model=list[NoticeOut], tags=["oversight"])
def notices(
    who: CurrentPrincipal,
    d: CurrentDeps,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Notices to headquarters: drafts to and submissions to governments, newest first."""
    return [
        {
            "id": n.id,
            "created_at": n.created_at,
            "case": n.case,
            "event": n.event,
            "draft_ref": n.draft_ref,
            "recipient": n.recipient,
        }
        for n in oversight.notices(d, who, limit)
    ]


@router.get("/oversight/subscribers", response_model=list[SubscriberOut], tags=["oversight"])
def list_subscribers(who: CurrentPrincipal, d: CurrentDeps) -> list[SubscriberOut]:
    return [SubscriberOut(name=s.name, email=s.email) for s in oversight.subscribers(d, who)]


@router.post(
    "/oversight/subscribers", response_model=SubscriberOut, status_code=201, tags=["oversight"]
)
def add_subscriber(
    body: SubscriberIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Subscribe someone at headquarters to draft and submission notices."""

    def create(j: Deps) -> SubscriberOut:
        s = oversight.subscribe(j, who, body.name, body.email)
        return SubscriberOut(name=s.name, email=s.email)

    return idempotent(request, who, idem, body, create)


@router.get("/oversight/hq-approver", response_model=HqRuleOut, tags=["oversight"])
def hq_rule(who: CurrentPrincipal, d: CurrentDeps) -> HqRuleOut:
    """Whether one of a draft's two approvers must belong to headquarters."""
    return HqRuleOut(required=oversight.hq_required(d, who))


@router.put("/oversight/hq-approver", response_model=HqRuleOut, tags=["oversight"])
def set_hq_rule(body: HqRuleIn, who: CurrentPrincipal, d: CurrentDeps) -> HqRuleOut:
    oversight.set_require_hq(d, who, body.required)
    return HqRuleOut(required=oversight.hq_required(d, who))

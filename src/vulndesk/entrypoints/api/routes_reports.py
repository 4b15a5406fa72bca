"""Report routes: drafts (create, list, show, preview, diff), approvals, decisions, submissions.

A draft is addressed as `/cases/{key}/drafts/{kind}/{recipient}/{version}`. The routes only
authenticate: each use case checks the case's visibility first (hidden and missing cases give
the same 404), then the role: coordinators and analysts draft, approvers approve and decide,
case writers record submissions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from vulndesk.domain.drafts import draft_ref
from vulndesk.domain.ids import parse_case_key
from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    container,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_reports_models import (
    ApprovalIn,
    ConflictOut,
    DecisionIn,
    DecisionOut,
    DiffOut,
    DraftIn,
    DraftOut,
    JustificationIn,
    LedgerRowOut,
    SubmissionIn,
    conflict_out,
    decision_out,
    diff_out,
    draft_out,
    ledger_row,
)
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

router = APIRouter(prefix="/api/v1", tags=["reports"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]
KindPath = Annotated[str, Path(max_length=40)]
RecipientPath = Annotated[str, Path(max_length=63)]
VersionPath = Annotated[int, Path(ge=1, le=1_000_000)]
DRAFT = "/cases/{key}/drafts/{kind}/{recipient}/{version}"
_MEDIA = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
_PREVIEW_CONTENT = {
    "application/json": {"schema": {"type": "object"}},
    "text/markdown": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}


def _ref(case: str, kind: str, recipient: str, version: int) -> str:
    return draft_ref(parse_case_key(case), kind, recipient, version)


def _draft(r: Any) -> DraftOut:
    return DraftOut.model_validate(draft_out(r))


@router.post("/cases/{key}/drafts", response_model=DraftOut, status_code=201)
def create_draft(
    key: CaseKeyPath,
    body: DraftIn,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Build the next version of a draft with only the fields the recipient may receive."""

    def create(j: Deps) -> DraftOut:
        return _draft(reports.draft_report(j, who, key, body.kind, body.recipient, body.stage))

    return idempotent(request, who, idem, body, create)


@router.get("/cases/{key}/drafts", response_model=list[DraftOut])
def list_drafts(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> list[dict[str, Any]]:
    """Every draft version of a case, oldest first (metadata only)."""
    return [draft_out(r) for r in reports.list_drafts(d, who, key)]


@router.get(DRAFT, response_model=DraftOut)
def show_draft(
    key: CaseKeyPath,
    kind: KindPath,
    recipient: RecipientPath,
    version: VersionPath,
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> dict[str, Any]:
    return draft_out(reports.get_draft(d, who, _ref(key, kind, recipient, version)))


@router.get(
    DRAFT + "/preview",
    response_class=Response,
    responses={200: {"description": "The draft as sent", "content": _PREVIEW_CONTENT}},
)
def preview_draft(
    key: CaseKeyPath,
    kind: KindPath,
    recipient: RecipientPath,
    version: VersionPath,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    format: Literal["json", "md", "html", "pdf"] = "md",
) -> Response:
    """Exactly what the recipient would receive; the read is recorded in the audit trail."""
    renderer = container(request).pdf_renderer if format == "pdf" else None
    ref = _ref(key, kind, recipient, version)
    data = reports.preview(d, who, ref, format, renderer)
    headers = {}
    if format in ("pdf", "html"):
        name = f"{parse_case_key(key)}-{kind}-{recipient}-v{version}.{format}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(data, media_type=_MEDIA[format], headers=headers)


@router.get(DRAFT + "/diff", response_model=list[DiffOut])
def diff_draft(
    key: CaseKeyPath,
    kind: KindPath,
    recipient: RecipientPath,
    version: VersionPath,
    who: CurrentPrincipal,
    d: CurrentDeps,
    against: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    recipients: bool = False,
) -> list[dict[str, Any]]:
    """Compare with an earlier version (default: the one before) or other recipients' drafts."""
    ref = _ref(key, kind, recipient, version)
    return [diff_out(x) for x in reports.diff_draft(d, who, ref, against, recipients=recipients)]


@router.post(DRAFT + "/approvals", response_model=DraftOut, status_code=201)
def approve_draft(
    key: CaseKeyPath,
    kind: KindPath,
    recipient: RecipientPath,
    version: VersionPath,
    body: ApprovalIn,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Add the caller's approval; a second, different approver makes the draft approved."""
    ref = _ref(key, kind, recipient, version)

    def create(j: Deps) -> DraftOut:
        return _draft(approvals.approve(j, who, ref, body.justification))

    return idempotent(request, who, idem, body, create)


@router.post(DRAFT + "/justifications", response_model=DecisionOut, status_code=201)
def justify_draft(
    key: CaseKeyPath,
    kind: KindPath,
    recipient: RecipientPath,
    version: VersionPath,
    body: JustificationIn,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Record or second the equal-dissemination justification of one draft version."""
    ref = _ref(key, kind, recipient, version)

    def create(j: Deps) -> DecisionOut:
        return DecisionOut.model_validate(decision_out(approvals.justify(j, who, ref, body.reason)))

    return idempotent(request, who, idem, body, create)


@router.post(DRAFT + "/submission", response_model=LedgerRowOut, status_code=201)
def record_submission(
    key: CaseKeyPath,
    kind: KindPath,
    recipient: RecipientPath,
    version: VersionPath,
    body: SubmissionIn,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Record that an approved draft was submitted through the portal; clocks are recomputed."""
    ref = _ref(key, kind, recipient, version)
    shot = None
    if body.screenshot_sha256:
        shot = (body.screenshot_name or "screenshot", body.screenshot_sha256)

    def create(j: Deps) -> LedgerRowOut:
        entry = ledger.record_submission(
            j, who, ref, body.at, body.receipt, shot, body.justification
        )
        return LedgerRowOut.model_validate(ledger_row(entry))

    return idempotent(request, who, idem, body, create)


@router.get("/cases/{key}/decisions", response_model=list[DecisionOut])
def list_decisions(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> list[dict[str, Any]]:
    return [decision_out(x) for x in approvals.list_decisions(d, who, key)]


@router.post("/cases/{key}/decisions", response_model=DecisionOut, status_code=201)
def record_decision(
    key: CaseKeyPath,
    body: DecisionIn,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Propose an exception or a cross-border permission; a second approver approves it."""

    def create(j: Deps) -> DecisionOut:
        found = approvals.record_decision(
            j, who, body.kind, key, body.recipient, body.reason, tuple(body.fields)
        )
        return DecisionOut.model_validate(decision_out(found))

    return idempotent(request, who, idem, body, create)


@router.post(
    "/cases/{key}/decisions/{decision}/approvals", response_model=DecisionOut, status_code=201
)
def approve_decision(
    key: CaseKeyPath,
    decision: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Approve a recorded decision as its second (different) person."""

    def create(j: Deps) -> DecisionOut:
        return DecisionOut.model_validate(
            decision_out(approvals.approve_decision(j, who, decision, key))
        )

    return idempotent(request, who, idem, None, create)


@router.get("/cases/{key}/conflicts", response_model=list[ConflictOut])
def case_conflicts(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> list[dict[str, Any]]:
    """Cross-border and equal-dissemination conflicts of the newest draft to each recipient."""
    return [conflict_out(c) for c in approvals.case_conflicts(d, who, key)]

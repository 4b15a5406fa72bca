"""Console report pages: drafts of a case, preview of what leaves, diffs, decisions, approval, submission.

A draft is addressed by its id `CASE/KIND/RECIPIENT/vN` in the path. Every page first checks
that the viewer may see the draft's case; a hidden case and a missing one give the same 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from vulndesk.domain.disclosure import DETAIL_FIELDS
from vulndesk.domain.drafts import DraftRecord
from vulndesk.domain.errors import InvalidInput, NotFound, VulndeskError
from vulndesk.domain.ids import CaseKey
from vulndesk.entrypoints.web import i18n, labels, messages
from vulndesk.entrypoints.web.render import page_context, render
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.exporters.reports.kinds import KINDS as REPORT_KINDS
from vulndesk.exporters.reports.kinds import REGISTRY, fitting
from vulndesk.services.access import ledger as access_ledger
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import APPROVERS, CASE_READERS, CASE_WRITERS, DRAFTERS
from vulndesk.services.cases import reference
from vulndesk.services.disclosure import ledger
from vulndesk.services.reports import approvals, comparison, rendering
from vulndesk.services.reports import drafts as reports

router = APIRouter(include_in_schema=False)

READERS = CASE_READERS
STAGES = ("initial", "update", "final")
MAX_SCREENSHOT = 5 * 1024 * 1024
_MEDIA = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
DONE = {"drafted", "approved", "decided", "submitted"}


def not_found(request: Request) -> Response:
    """One page for a missing object and one the viewer may not see: nothing tells them apart."""
    return render(request, "console/reports/not_found.html", status=404)


def error_text(request: Request, exc: VulndeskError) -> str:
    """The error in the page's language, from the catalogue (see messages.py)."""
    lang = page_context(request).lang
    gettext = i18n.translator(lang)
    return messages.error_message(exc, lang, gettext, labels.labeller(lang, gettext))


def _case(who: Viewer, key: str) -> CaseKey | None:
    try:
        return access.check_case(who.deps, who.principal, key)
    except (NotFound, InvalidInput):
        return None


def _visible_draft(who: Viewer, draft_id: str) -> DraftRecord | None:
    """The draft if its case is visible to the viewer; None (a 404) otherwise."""
    try:
        name = reports.parse_ref(draft_id)
        if _case(who, name.case) is None or not who.principal.has(READERS):
            return None
        return reports.get_draft(who.deps, who.principal, draft_id)
    except (NotFound, InvalidInput):
        return None


def _link(ref: str, **query: str) -> str:
    suffix = "?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()) if query else ""
    return "/reports/" + quote(ref, safe="/") + suffix


def _list_page(
    request: Request, who: Viewer, key: CaseKey, status: int = 200, **extra: Any
) -> Response:
    deps = who.deps
    chosen: dict[str, str] = extra.pop("chosen", {})
    kind = REPORT_KINDS.get(chosen.get("kind", ""), REGISTRY[0])
    return render(
        request,
        "console/reports/list.html",
        status=status,
        case=key,
        drafts=list(reversed(reports.list_drafts(deps, who.principal, key))),
        kinds=REGISTRY,
        kind=kind,
        stages=STAGES,
        parties=reference.list_parties(deps),
        fitting=fitting,
        may_draft=who.principal.has(DRAFTERS),
        error=extra.pop("error", None),
        chosen=chosen,
        **extra,
    )


@router.get("/cases/{key}/reports")
def case_reports(request: Request, key: str, who: CurrentViewer) -> Response:
    case_key = _case(who, key)
    if case_key is None or not who.principal.has(READERS):
        return not_found(request)
    return _list_page(request, who, case_key)


@router.post("/cases/{key}/reports")
def create_draft(
    request: Request,
    key: str,
    who: CurrentViewer,
    kind: Annotated[str, Form(max_length=60)] = "",
    recipient: Annotated[str, Form(max_length=63)] = "",
    stage: Annotated[str, Form(max_length=20)] = "initial",
) -> Response:
    case_key = _case(who, key)
    if case_key is None or not who.principal.has(READERS):
        return not_found(request)
    chosen = {"kind": kind, "recipient": recipient, "stage": stage}
    try:
        record = reports.draft_report(
            who.deps, who.principal, case_key, kind, recipient, stage or None
        )
    except VulndeskError as exc:
        code = 403 if exc.code == "forbidden" else 422
        return _list_page(
            request, who, case_key, code, error=error_text(request, exc), chosen=chosen
        )
    return RedirectResponse(_link(record.ref, done="drafted"), status_code=303)


def _diffs(
    who: Viewer, request: Request, record: DraftRecord, against: int | None
) -> dict[str, Any]:
    p, deps = who.principal, who.deps
    versions = []
    if record.draft.version > 1:
        versions = reports.diff_draft(deps, p, record.ref, against)
    others = comparison.compare_recipients(deps, p, record.ref)
    return {"version_diffs": versions, "comparison": others}


def _met_by(who: Viewer, record: DraftRecord) -> list[Any]:
    kind = ledger.DISCLOSURE_KINDS.get(record.draft.kind)
    return [
        o
        for o in access.case_obligations(who.deps, who.principal, record.draft.case)
        if o.obligation.satisfied_by.disclosure == kind
    ]


def _draft_page(
    request: Request,
    who: Viewer,
    record: DraftRecord,
    status: int = 200,
    error: str | None = None,
    against: int | None = None,
) -> Response:
    deps, d = who.deps, record.draft
    p = who.principal
    preview = reports.preview(deps, p, record.ref, "md").decode("utf-8")
    latest = reports.get_draft(deps, p, f"{d.case}/{d.kind}/{d.recipient}")
    conflicts = [c for c in approvals.case_conflicts(deps, p, d.case) if c.draft == record.ref]
    decisions = [
        x
        for x in approvals.list_decisions(deps, p, d.case)
        if x.recipient == d.recipient and x.kind != reports.BACKDATE  # shown with the entry
    ]
    zone = zoneinfo.ZoneInfo(who.zone)
    now_local = who.container.clock.now().astimezone(zone)
    return render(
        request,
        "console/reports/draft.html",
        status=status,
        record=record,
        d=d,
        ref=record.ref,
        link=_link(record.ref),
        latest=latest.ref,
        preview=preview,
        conflicts=conflicts,
        decisions=decisions,
        detail_fields=list(DETAIL_FIELDS),
        met_by=_met_by(who, record),
        entries=[
            e
            for e in access_ledger.entries(deps, who.principal, d.case)
            if e.entry.draft_ref == record.ref
        ],
        formats=rendering.FORMATS,
        may_approve=who.principal.has(APPROVERS),
        may_submit=who.principal.has(CASE_WRITERS),
        now_local=f"{now_local:%Y-%m-%dT%H:%M}",
        backdate_hours=int(deps.backdate_limit.total_seconds() // 3600),
        error=error,
        done=request.query_params.get("done") if request.query_params.get("done") in DONE else None,
        **_diffs(who, request, record, against),
    )


@router.get("/reports/{draft_id:path}/download/{fmt}")
def download(request: Request, draft_id: str, fmt: str, who: CurrentViewer) -> Response:
    """The draft exactly as it leaves, always as an attachment the browser does not render."""
    record = _visible_draft(who, draft_id)
    if record is None or fmt not in rendering.FORMATS:
        return not_found(request)
    renderer = who.container.pdf_renderer if fmt == "pdf" else None
    data = reports.preview(who.deps, who.principal, record.ref, fmt, renderer)
    name = record.ref.replace("/", "-") + "." + fmt
    return Response(
        data,
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "no-store",
        },
    )


def _act(request: Request, who: Viewer, draft_id: str, action: Any, done: str) -> Response:
    """Run one form action on a visible draft; errors are shown on the draft page."""
    record = _visible_draft(who, draft_id)
    if record is None:
        return not_found(request)
    try:
        action(record)
    except VulndeskError as exc:
        code = 403 if exc.code == "forbidden" else 422 if exc.code == "invalid_input" else 409
        fresh = reports.get_draft(who.deps, who.principal, record.ref)
        return _draft_page(request, who, fresh, status=code, error=error_text(request, exc))
    return RedirectResponse(_link(record.ref, done=done), status_code=303)


# Registered before `…/approve`: that route's `{draft_id:path}` would take this address.
@router.post("/reports/{draft_id:path}/decisions/{decision}/approve")
def approve_decision(
    request: Request, draft_id: str, decision: int, who: CurrentViewer
) -> Response:
    def run(record: DraftRecord) -> None:
        # A decision of another case answers like a missing one.
        approvals.approve_decision(who.deps, who.principal, decision, record.draft.case)

    return _act(request, who, draft_id, run, "decided")


@router.post("/reports/{draft_id:path}/approve")
def approve(request: Request, draft_id: str, who: CurrentViewer) -> Response:
    def run(record: DraftRecord) -> None:
        approvals.approve(who.deps, who.principal, record.ref)

    return _act(request, who, draft_id, run, "approved")


@router.post("/reports/{draft_id:path}/decisions")
def propose_decision(
    request: Request,
    draft_id: str,
    who: CurrentViewer,
    kind: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    fields: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Propose a justification, cross-border permission or exception; a second person approves."""

    def run(record: DraftRecord) -> None:
        d, p = record.draft, who.principal
        if kind == reports.JUSTIFICATION:
            approvals.justify(who.deps, p, record.ref, reason)
            return
        approvals.record_decision(
            who.deps, p, kind, d.case, d.recipient, reason, tuple(fields or ())
        )

    return _act(request, who, draft_id, run, "decided")


def local_instant(field: str, value: str, zone: str) -> dt.datetime:
    """A form's date and time, read in the console's zone unless it names its own offset."""
    try:
        local = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(field, f"{value!r} is not a date and time", "YYYY-MM-DDTHH:MM") from exc
    return local if local.tzinfo else local.replace(tzinfo=zoneinfo.ZoneInfo(zone))


@router.post("/reports/{draft_id:path}/submission")
async def record_submission(
    request: Request,
    draft_id: str,
    who: CurrentViewer,
    at: Annotated[str, Form(max_length=40)] = "",
    receipt: Annotated[str, Form(max_length=200)] = "",
    screenshot: Annotated[UploadFile | None, File()] = None,
    justification: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record the portal submission; the screenshot is kept as its name and SHA-256."""
    shot, content = None, b""
    if screenshot is not None and screenshot.filename:
        content = await screenshot.read(MAX_SCREENSHOT + 1)
        if content:
            shot = (screenshot.filename[:200], hashlib.sha256(content).hexdigest())

    def run(record: DraftRecord) -> None:
        if len(content) > MAX_SCREENSHOT:
            raise InvalidInput("screenshot", "is larger than 5 MiB", "an image up to 5 MiB")
        when = local_instant("at", at, who.zone)
        ledger.record_submission(
            who.deps, who.principal, record.ref, when, receipt, shot, justification or None
        )

    return _act(request, who, draft_id, run, "submitted")


@router.get("/reports/{draft_id:path}")
def draft_page(
    request: Request, draft_id: str, who: CurrentViewer, against: int | None = None
) -> Response:
    record = _visible_draft(who, draft_id)
    if record is None:
        return not_found(request)
    try:
        return _draft_page(request, who, record, against=against)
    except InvalidInput as exc:
        return _draft_page(request, who, record, status=422, error=error_text(request, exc))

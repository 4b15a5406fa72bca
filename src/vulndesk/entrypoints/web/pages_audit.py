"""Console pages of the auditor: chain status (latest verification, newest checkpoint), the
audit-trail search, and the disclosure ledger with its CSV and JSON export."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.web.pages_reports import not_found
from vulndesk.entrypoints.web.render import render, say
from vulndesk.entrypoints.web.session import CurrentViewer
from vulndesk.services.access import ledger as access_ledger
from vulndesk.services.access.rights import AUDIT_READERS
from vulndesk.services.audit import status, trail
from vulndesk.services.disclosure import ledger

router = APIRouter(include_in_schema=False)

# The export's columns, in order (the JSON carries the same keys).
EXPORT_COLUMNS = (
    "id",
    "case",
    "unit",
    "disclosure_kind",
    "recipient",
    "recipient_kind",
    "channel",
    "at",
    "draft",
    "receipt",
    "sha256",
    "fields",
    "classes",
    "approvers",
    "recorded_at",
    "recorded_by",
    "backdated",
    "backdate_status",
)


@router.get("/audit")
def audit_status(request: Request, who: CurrentViewer, done: str = "") -> Response:
    """The chain's status: the latest recorded verification and the newest checkpoint."""
    if not who.principal.has(AUDIT_READERS):
        return not_found(request)
    settings = who.container.settings
    return render(
        request,
        "console/audit/status.html",
        section="status",
        verification=status.latest_verification(who.deps, who.principal),
        checkpoint=status.newest_checkpoint(
            who.deps, who.principal, settings.effective_checkpoint_dir, settings.checkpoint_key
        ),
        key_configured=settings.checkpoint_key is not None,
        done=done == "verified",
    )


@router.post("/audit/verify")
def verify(request: Request, who: CurrentViewer) -> Response:
    """Verify the whole chain now; the verdict is recorded and shown on the status page."""
    if not who.principal.has(AUDIT_READERS):
        return not_found(request)
    status.verify_now(who.deps, who.principal)
    return RedirectResponse("/audit?done=verified", status_code=303)


# Details shown per event: an event binding thousands of evidence rows would make the page
# tens of megabytes; the rest is named with the command that prints the whole event.
DETAIL_SHOWN = 12


@router.get("/audit/trail")
def audit_trail(
    request: Request,
    who: CurrentViewer,
    case: str = "",
    actor: str = "",
    tag: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
) -> Response:
    """Audit events by case, actor, tag and period, newest first, fifty to a page."""
    if not who.principal.has(AUDIT_READERS):
        return not_found(request)
    chosen = {"case": case, "actor": actor, "tag": tag, "since": since, "until": until}
    wanted = trail.TrailSearch(**{k: v[:200] for k, v in chosen.items()}, zone=who.zone, page=page)
    errors: dict[str, str] = {}
    try:
        found: trail.TrailPage | None = trail.search(who.deps, who.principal, wanted)
    except InvalidInput as exc:
        errors[exc.field] = say(request, exc)
        found = None
    kept = {k: v for k, v in chosen.items() if v}

    def link(**change: Any) -> str:
        return "/audit/trail?" + urlencode({**kept, **change})

    return render(
        request,
        "console/audit/trail.html",
        status=422 if errors else 200,
        section="trail",
        found=found,
        chosen=chosen,
        errors=errors,
        tags=sorted(t.value for t in AuditTag),
        link=link,
        shown=DETAIL_SHOWN,
    )


@router.get("/audit/ledger")
def audit_ledger(request: Request, who: CurrentViewer, case: str = "") -> Response:
    """Every disclosure the viewer may list (auditors: all), newest first, without content."""
    if not who.principal.has(AUDIT_READERS):
        return not_found(request)
    errors: dict[str, str] = {}
    try:
        entries = access_ledger.entries(who.deps, who.principal, case.strip() or None)
    except InvalidInput as exc:
        errors[exc.field] = say(request, exc)
        entries = []
    entries.sort(key=lambda e: (e.entry.at, e.id), reverse=True)
    query = f"?{urlencode({'case': case})}" if case.strip() and not errors else ""
    return render(
        request,
        "console/audit/ledger.html",
        section="ledger",
        entries=entries,
        case=case,
        errors=errors,
        query=query,
    )


@router.get("/audit/ledger.{fmt}")
def export(request: Request, fmt: str, who: CurrentViewer, case: str = "") -> Response:
    """The ledger as CSV or JSON: metadata and the SHA-256 of what was sent, never content."""
    if not who.principal.has(AUDIT_READERS) or fmt not in ("csv", "json"):
        return not_found(request)
    entries = access_ledger.entries(who.deps, who.principal, case.strip() or None)
    rows = [ledger.export_row(e) for e in entries]
    stamp = who.container.clock.now().strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "Content-Disposition": f'attachment; filename="vulndesk-ledger-{stamp}.{fmt}"',
        "X-Content-Type-Options": "nosniff",
    }
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
        return Response(body, media_type="application/json", headers=headers)
    return Response(_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in EXPORT_COLUMNS])
    return out.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, list):
        text = ";".join(str(v) for v in value)
    else:
        text = (
            "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        )
    # A spreadsheet would run a cell starting with one of these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

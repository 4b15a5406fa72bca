"""Console case forms: record and correct facts, change state, members, replies, waivers,
downloads."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.domain.errors import Conflict, Forbidden, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey
from vulndesk.entrypoints.web.pages_cases import (
    case_page,
    not_found,
    visible_key,
)
from vulndesk.entrypoints.web.render import say
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services.access import rights as access
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import regimes
from vulndesk.services.clocks import waivers
from vulndesk.services.disclosure import claims
from vulndesk.services.intake import thread as case_intake

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=200)]


def local_instant(at: str, zone: str) -> dt.datetime | None:
    """A form's date-time in a named zone (or with its own offset) as an aware instant."""
    if not at.strip():
        return None
    try:
        tz = zoneinfo.ZoneInfo(zone.strip() or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            "zone", f"{zone[:64]!r} is not a time zone", "e.g. Asia/Shanghai"
        ) from exc
    try:
        parsed = dt.datetime.fromisoformat(at.strip())
    except ValueError as exc:
        raise InvalidInput("at", f"{at[:40]!r} is not a date and time", "YYYY-MM-DD HH:MM") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _submit(
    request: Request,
    who: Viewer,
    key: str,
    anchor: str,
    form: dict[str, str],
    action: Callable[[CaseKey], object],
) -> Response:
    """Run one form's action; on refusal re-show the case page with the problem by its field."""
    case_key = visible_key(who, key)
    if case_key is None:
        return not_found(request)
    try:
        action(case_key)  # the use case checks the viewer's roles and need-to-know
    except InvalidInput as exc:
        errors = {f"{anchor}.{exc.field}": say(request, exc)}
        return case_page(request, who, case_key, errors, form, status=422)
    except (GuardFailed, Conflict, NotFound, Forbidden) as exc:
        detail = say(request, exc)
        code = 403 if isinstance(exc, Forbidden) else 409
        return case_page(request, who, case_key, {f"{anchor}.": detail}, form, status=code)
    return RedirectResponse(f"/cases/{case_key}#{anchor}", status_code=303)


@router.post("/cases/{key}/facts")
def record_fact(
    request: Request,
    key: str,
    who: CurrentViewer,
    fact: Short,
    evidence: Text,
    at: Short = "",
    zone: Short = "",
    correct: Short = "",
) -> Response:
    form = {"fact": fact, "at": at, "zone": zone, "evidence": evidence, "correct": correct}

    def act(case_key: CaseKey) -> object:
        when = local_instant(at, zone)
        return cases.record_fact(
            who.deps, who.principal, case_key, fact, when, evidence, correct=bool(correct)
        )

    return _submit(request, who, key, "facts", form, act)


@router.post("/cases/{key}/incident-grade")
def set_incident_grade(
    request: Request, key: str, who: CurrentViewer, incident_grade: Short = ""
) -> Response:
    def act(case_key: CaseKey) -> object:
        return regimes.set_incident_grade(who.deps, who.principal, case_key, incident_grade, "web")

    return _submit(request, who, key, "grade", {"incident_grade": incident_grade}, act)


@router.post("/cases/{key}/transition")
def transition(
    request: Request,
    key: str,
    who: CurrentViewer,
    to: Short,
    reason: Text,
    duplicate_of: Short = "",
    na_id: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006 - FastAPI copies it
    na_reason: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006 - as above
) -> Response:
    """Change state; a close carries a not-applicable reason per open obligation (or blanks)."""
    form = {"to": to, "reason": reason, "duplicate_of": duplicate_of}
    marks = {i: r for i, r in zip(na_id, na_reason, strict=False) if r.strip()}
    form |= {f"na.{i}": r for i, r in marks.items()}

    def act(case_key: CaseKey) -> object:
        if duplicate_of.strip() and visible_key(who, duplicate_of) is None:
            raise InvalidInput("duplicate_of", "no such case", "a case key you may see")
        if not reason.strip():
            raise InvalidInput("reason", "a reason is required", "a sentence on why")
        return cases.transition(
            who.deps,
            who.principal,
            case_key,
            to,
            reason,
            duplicate_of.strip() or None,
            marks if to == "closed" else None,
        )

    return _submit(request, who, key, "state", form, act)


@router.post("/cases/{key}/members")
def member(
    request: Request, key: str, who: CurrentViewer, user: Short, present: Short = "1"
) -> Response:
    def act(case_key: CaseKey) -> object:
        return access.set_member(who.deps, who.principal, case_key, user, present == "1")

    return _submit(request, who, key, "members", {"user": user}, act)


@router.post("/cases/{key}/messages")
def reply(request: Request, key: str, who: CurrentViewer, body: Text) -> Response:
    def act(case_key: CaseKey) -> object:
        case_intake.reply(who.deps, who.principal, case_key, body)
        return None

    return _submit(request, who, key, "messages", {"body": body}, act)


@router.post("/cases/{key}/ledger/{entry}/backdate-approval")
def approve_backdate(request: Request, key: str, entry: int, who: CurrentViewer) -> Response:
    """The second person approves a backdated disclosure's justification."""

    def act(case_key: CaseKey) -> object:
        # An entry of another case answers like a missing one.
        return claims.approve_backdate(who.deps, who.principal, entry, case_key)

    return _submit(request, who, key, "ledger", {}, act)


@router.post("/cases/{key}/waivers")
def propose_waiver(
    request: Request, key: str, who: CurrentViewer, obligation: Short, reason: Text
) -> Response:
    """Propose a waiver; the obligation keeps its status until a second approver approves it."""

    def act(case_key: CaseKey) -> object:
        return waivers.propose(who.deps, who.principal, case_key, obligation, reason)

    form = {"obligation": obligation, "reason": reason}
    return _submit(request, who, key, "clocks", form, act)


@router.post("/cases/{key}/waivers/{waiver}/approval")
def approve_waiver(request: Request, key: str, waiver: int, who: CurrentViewer) -> Response:
    """The second person approves a pending waiver; the obligation is then waived."""

    def act(case_key: CaseKey) -> object:
        return waivers.approve(who.deps, who.principal, case_key, str(waiver))

    return _submit(request, who, key, "clocks", {}, act)


@router.get("/cases/{key}/attachments/{sha256}")
def download(request: Request, key: str, sha256: str, who: CurrentViewer) -> Response:
    """An attachment, always as a download: never rendered by the browser as a page."""
    case_key = visible_key(who, key)
    if case_key is None:
        return not_found(request)
    try:
        stored, content = case_intake.attachment(who.deps, who.principal, case_key, sha256)
    except NotFound:
        return not_found(request)
    ascii_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in stored.name)[:120]
    return Response(
        content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name or "attachment"}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "no-store",
        },
    )

"""The console's bell: what needs the signed-in person, as a count in the header (loaded by
htmx, so no page pays for it) and as a page listing each item with its case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.entrypoints.web.render import render
from vulndesk.entrypoints.web.session import CurrentViewer
from vulndesk.services.accounts import mail_prefs
from vulndesk.services.notify import inbox

router = APIRouter(include_in_schema=False)


@router.get("/needs-me")
def needs_page(request: Request, who: CurrentViewer) -> Response:
    """Approvals waiting, escalations and reporters' messages on the viewer's cases."""
    items = inbox.needs(who.deps, who.principal)
    mail = mail_prefs.my_choices(who.deps, who.principal)
    done = request.query_params.get("done") == "1"
    response = render(request, "console/needs.html", items=items, mail=mail, done=done)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/needs-me/count")
def needs_count(request: Request, who: CurrentViewer) -> Response:
    """The bell's label: a fragment htmx puts into the header link."""
    items = inbox.needs(who.deps, who.principal)
    response = render(request, "console/_bell_count.html", count=len(items))
    response.headers["Cache-Control"] = "no-store"
    return response


Box = Annotated[str, Form(max_length=8)]


@router.post("/needs-me/mail")
def set_mail(
    request: Request,
    who: CurrentViewer,
    escalations: Box = "",
    approvals: Box = "",
    messages: Box = "",
) -> Response:
    """The viewer's own choice of what comes by e-mail: escalations on their cases, approvals
    waiting for them and reporters' new messages (an unticked box is off)."""
    mail_prefs.change_my_choices(
        who.deps, who.principal, escalations == "1", approvals == "1", messages == "1"
    )
    return RedirectResponse("/needs-me?done=1", status_code=303)

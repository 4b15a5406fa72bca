"""Console of outside participants (decision 0045): `/join/<token>` to set a password and TOTP
through a one-time link, `/shared` (my cases) and `/shared/{key}` (the case's shared view, the
shared thread, my private thread with the case team, a status statement, the embargo answer
and the export), and the desk's Invite button on the coordination page.

The same use cases as `/api/v1/shared/cases/...`; a case the viewer does not take part in is
the same 404 as a missing one, and so is an unknown, used or expired link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from vulndesk.domain.coordination import ProductStatus, VexJustification
from vulndesk.domain.errors import InvalidInput, NotFound, VulndeskError
from vulndesk.domain.ids import CaseKey
from vulndesk.entrypoints.web import i18n
from vulndesk.entrypoints.web import pages_coordination as desk
from vulndesk.entrypoints.web.pages_cases import not_found
from vulndesk.entrypoints.web.render import page_context, render
from vulndesk.entrypoints.web.session import SESSION_COOKIE, CurrentViewer, Viewer, container_of
from vulndesk.services.accounts import signin
from vulndesk.services.coordination import invitations, portal

router = APIRouter(include_in_schema=False)
DONE = {"posted", "recorded", "answered"}


def _words(lang: str) -> dict[str, str]:
    _ = i18n.translator(lang)
    return desk.labels(lang) | {
        "no_answer": _("no answer"),
        "answer:accepted": _("You accepted it."),
        "answer:declined": _("You declined it."),
        "posted": _("message posted"),
        "recorded": _("statement recorded; it waits for the case team's approval"),
        "answered": _("your answer to the embargo is recorded"),
        "team": _("case team"),
    }


@router.get("/shared")
def my_cases(request: Request, who: CurrentViewer) -> Response:
    if not portal.is_participant(who.principal):
        # Nothing here for an internal account: the page an unknown address gets.
        return render(request, "console/reports/not_found.html", status=404)
    found = portal.my_cases(who.deps, who.principal)
    now = who.deps.clock.now()
    return render(
        request,
        "console/portal/list.html",
        cases=found,
        shared_with=lambda user, party: portal.shared_with(user, party, now),
    )


def _case_page(
    request: Request, who: Viewer, key: str, status: int = 200, error: str | None = None
) -> Response:
    try:
        v = portal.case_view(who.deps, who.principal, key, "page")
    except (NotFound, VulndeskError):
        return not_found(request)
    ctx = page_context(request)
    done = request.query_params.get("done")
    return render(
        request,
        "console/portal/case.html",
        status=status,
        v=v,
        key=v.view.case,
        word=_words(ctx.lang),
        states=[s.value for s in ProductStatus if s is not ProductStatus.NO_ANSWER],
        justifications=[j.value for j in VexJustification],
        error=error,
        done=done if done in DONE else None,
    )


@router.get("/shared/{key}")
def case_page(request: Request, key: str, who: CurrentViewer) -> Response:
    return _case_page(request, who, key)


def _act(
    request: Request, who: Viewer, key: str, action: Callable[[], object], done: str
) -> Response:
    try:
        action()
    except NotFound:
        return not_found(request)
    except VulndeskError as exc:
        code, why = desk.refusal(request, exc)
        return _case_page(request, who, key, code, why)
    return RedirectResponse(f"/shared/{CaseKey(key)}?done={done}", 303)


@router.post("/shared/{key}/threads")
async def post_message(
    request: Request,
    key: str,
    who: CurrentViewer,
    thread: Annotated[str, Form(max_length=20)] = "shared",
    body: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    files = await desk.uploaded(request)
    return _act(
        request,
        who,
        key,
        lambda: portal.post(who.deps, who.principal, key, thread, body, files),
        "posted",
    )


@router.get("/shared/{key}/threads/{thread}/messages/{message}/attachments/{sha256}")
def download_file(
    request: Request, key: str, thread: str, message: int, sha256: str, who: CurrentViewer
) -> Response:
    """A file of a message in the shared thread or the viewer's private one (audited); 404
    alike for missing and forbidden."""
    try:
        found = portal.file(who.deps, who.principal, key, thread, message, sha256)
    except VulndeskError:
        return not_found(request)
    return desk.file_download(found)


@router.post("/shared/{key}/statuses")
def record_status(
    request: Request,
    key: str,
    who: CurrentViewer,
    product: Annotated[str, Form(max_length=400)] = "",
    status: Annotated[str, Form(max_length=32)] = "",
    statement: Annotated[str, Form(max_length=20_000)] = "",
    justification: Annotated[str, Form(max_length=64)] = "",
    fixed: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    versions = desk.fixed_versions(fixed)
    return _act(
        request,
        who,
        key,
        lambda: portal.state(
            who.deps,
            who.principal,
            key,
            product,
            status,
            statement,
            justification or None,
            versions,
        ),
        "recorded",
    )


@router.post("/shared/{key}/embargo")
def answer_embargo(
    request: Request,
    key: str,
    who: CurrentViewer,
    answer: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    def run() -> None:
        if answer not in ("accept", "decline"):
            raise InvalidInput("answer", f"{answer[:16]!r}", "accept or decline")
        portal.answer_embargo(who.deps, who.principal, key, answer == "accept", reason)

    return _act(request, who, key, run, "answered")


@router.get("/shared/{key}/export")
def export(request: Request, key: str, who: CurrentViewer) -> Response:
    try:
        document, name = portal.export(who.deps, who.principal, key)
    except (NotFound, VulndeskError):
        return not_found(request)
    return PlainTextResponse(
        document, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# -- joining through the one-time link (no sign-in; the token in the path is the secret a
# forged request cannot know, so it stands in for the session's CSRF token)


def _join_page(
    request: Request, token: str, status: int = 200, error: str | None = None
) -> Response:
    container = container_of(request)
    try:
        info = invitations.join_info(container.deps(), token)
    except (NotFound, VulndeskError):
        return render(request, "console/cases/not_found.html", status=404)
    secret, uri = invitations.new_secret(info.user)
    return render(
        request,
        "console/portal/join.html",
        status=status,
        info=info,
        token=token,
        secret=secret,
        uri=uri,
        error=error,
    )


@router.get("/join/{token}")
def join_page(request: Request, token: str) -> Response:
    return _join_page(request, token)


@router.post("/join/{token}")
def join(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=1024)] = "",
    password_again: Annotated[str, Form(max_length=1024)] = "",
    totp_secret: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    container = container_of(request)
    host = request.client.host if request.client else "unknown"
    try:
        issued = invitations.join(
            container.deps(), container.passwords, token, password, password_again,
            totp_secret, code, f"web:{host}",
        )  # fmt: skip
    except NotFound:
        return render(request, "console/cases/not_found.html", status=404)
    except VulndeskError as exc:
        status, why = desk.refusal(request, exc)
        return _join_page(request, token, status, why)
    response = RedirectResponse("/shared", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        httponly=True,
        secure=container.settings.cookie_secure,
        samesite="strict",
        max_age=int(signin.ABSOLUTE.total_seconds()),
        path="/",
    )
    return response


# -- the desk's Invite button (coordination page)


@router.post("/cases/{key}/coordination/participants/{participant}/invitations")
def invite(
    request: Request,
    key: str,
    participant: int,
    who: CurrentViewer,
    email: Annotated[str, Form(max_length=320)] = "",
    name: Annotated[str, Form(max_length=63)] = "",
) -> Response:
    case_key = desk.visible(who, key)
    if case_key is None:
        return not_found(request)
    try:
        made = invitations.invite_person(
            who.deps, who.principal, case_key, participant, email, name or None
        )
    except VulndeskError as exc:
        code, why = desk.refusal(request, exc)
        return desk.page(request, who, case_key, code, why)
    link = invitations.link(container_of(request).settings.public_url, made.token)
    return desk.page(request, who, case_key, 200, invited=(made.user, made.email, link))

"""The public report form and the reporter's status page: HTML without JavaScript or account.

A report from the form takes the same write path as one from the API
(`services.intake_receive`); the form adds a double-submit CSRF cookie and carries its
idempotency key in a hidden field.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from vulndesk.bootstrap import Container
from vulndesk.domain.errors import Conflict, InvalidInput, NotFound
from vulndesk.entrypoints.api import intake as api
from vulndesk.entrypoints.web import csrf
from vulndesk.services.accounts.signin import Throttled
from vulndesk.services.intake import public as intake
from vulndesk.services.intake import receive as intake_receive

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
CSRF_COOKIE = csrf.PUBLIC_COOKIE


def _with_cookie(container: Container, resp: Response, signed: str) -> Response:
    resp.set_cookie(
        CSRF_COOKIE,
        signed,
        httponly=True,
        samesite="strict",
        secure=container.settings.cookie_secure,
    )
    return resp


def _form(
    container: Container, request: Request, idem: str, error: str | None, code: int = 200
) -> Response:
    token, signed = csrf.public_pair(container)
    ctx = {"csrf": token, "idem": idem, "error": error}
    resp = TEMPLATES.TemplateResponse(request, "intake/form.html", ctx, status_code=code)
    return _with_cookie(container, resp, signed)


def _valid_key(idem: str) -> bool:
    return bool(idem) and len(idem) <= 200 and idem.isascii() and idem.isprintable()


def _receive(
    container: Container, req: intake.IntakeRequest, sent: intake_receive.Submission
) -> intake_receive.Received:
    unit = container.settings.intake_unit
    rate = api.intake_rate(container)
    try:
        return intake_receive.receive(container.deps(), req, sent, rate, unit=unit)
    except intake_receive.KeyReused as exc:
        raise HTTPException(422, "the form was already sent with other content; reload it") from exc
    except Throttled as exc:
        raise api.too_many(exc) from exc
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from exc


def build_router(container: Container) -> APIRouter:
    router = APIRouter(tags=["intake"])
    _report_routes(router, container)
    _status_routes(router, container)
    return router


def _report_routes(router: APIRouter, container: Container) -> None:
    """The public report form and its submission."""

    @router.get("/report", response_class=HTMLResponse)
    def report_form(request: Request) -> Response:
        return _form(container, request, secrets.token_urlsafe(18), None)

    @router.post("/report", response_class=HTMLResponse)
    async def report_submit(request: Request) -> Response:
        # Every request counts against the client's rate (see services.intake_receive).
        try:
            req, raw, data = await api.parse_report(request, "web")
        except InvalidInput as exc:
            api.count(container, request)
            raise api.error(exc) from exc
        except HTTPException:
            api.count(container, request)
            raise
        token, idem = str(data.get("csrf", "")), str(data.get("idempotency_key", ""))
        if not csrf.public_valid(container, token, request.cookies.get(CSRF_COOKIE, "")):
            api.count(container, request)
            raise HTTPException(403, "the form expired or was not sent from this site; reload it")
        if not _valid_key(idem):
            api.count(container, request)
            raise HTTPException(
                400, "the form's idempotency_key field is required (1-200 printable characters)"
            )
        req = replace(req, source_address=api.client(request))
        sent = api.submission(container, request, "web", idem, "/report", raw)
        try:
            got = await run_in_threadpool(_receive, container, req, sent)
        except InvalidInput as exc:
            return _form(container, request, idem, f"{exc.field}: {exc.problem}", 422)
        return TEMPLATES.TemplateResponse(
            request, "intake/received.html", got.body, status_code=got.status
        )


def _status_routes(router: APIRouter, container: Container) -> None:
    """The reporter's status page: read a report's messages and write back."""

    @router.get("/report/status", response_class=HTMLResponse)
    def status_form(request: Request) -> Response:
        return _status_page(container, request, None, "", None)

    @router.post("/report/status", response_class=HTMLResponse)
    async def status_submit(request: Request) -> Response:
        async with request.form() as form:
            data = {k: v for k, v in form.items() if isinstance(v, str)}
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not csrf.public_valid(container, data.get("csrf", ""), cookie):
            raise HTTPException(403, "the form expired or was not sent from this site; reload it")
        tracking, token = data.get("tracking", "").strip(), data.get("token", "").strip()
        source, limits = api.client(request), api.follow_up_limits(container)
        deps = container.deps()
        try:
            if data.get("message", "").strip():
                intake.post_message(deps, tracking, token, data["message"], source, limits)
            status = intake.report_status(deps, tracking, token, source, limits)
        except NotFound:
            return _status_page(container, request, None, tracking, "not found", 404)
        except Throttled as exc:
            page = _status_page(container, request, None, tracking, str(exc), 429)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        except InvalidInput as exc:
            return _status_page(container, request, None, tracking, exc.problem, 422)
        return _status_page(container, request, status, tracking, None)


def _status_page(
    container: Container,
    request: Request,
    status: intake.ReportStatus | None,
    tracking: str,
    error: str | None,
    code: int = 200,
) -> Response:
    token, signed = csrf.public_pair(container)
    ctx = {"csrf": token, "status": status, "tracking": tracking, "error": error}
    resp = TEMPLATES.TemplateResponse(request, "intake/status.html", ctx, status_code=code)
    _with_cookie(container, resp, signed)
    resp.headers["Cache-Control"] = "no-store"
    return resp

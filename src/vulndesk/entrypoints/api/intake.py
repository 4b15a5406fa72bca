"""Public intake routes: report API and form, follow-up by token, and security.txt."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.entrypoints.api.idempotency import request_hash, require_key, run_idempotent
from vulndesk.services import intake, intake_receipts
from vulndesk.services.accounts_auth import Throttled
from vulndesk.services.context import Deps
from vulndesk.services.ports_intake import Upload

TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).resolve().parents[1] / "web" / "templates")
)
FIELDS = ("product", "version", "description", "steps", "impact", "contact", "language")
CSRF_COOKIE = "vd_intake_csrf"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class _Limited(Exception):
    """The client is over its rate; raised inside the report's transaction to undo it."""


def _rate(container: Container, request: Request, deps: Deps | None = None) -> None:
    """Count the request; 429 over the limit. With `deps`, in that (joined) transaction."""
    rate = container.settings.intake_rate
    wait = intake_receipts.check_rate(
        deps or container.deps(), _client(request), rate.limit, rate.seconds
    )
    if wait is None:
        return
    if deps is not None:
        raise _Limited
    raise HTTPException(
        429,
        f"too many reports from this address; retry in {wait} s",
        {"Retry-After": str(wait)},
    )


def _error(exc: InvalidInput) -> HTTPException:
    code = (
        413
        if isinstance(exc, intake.AttachmentTooLarge)
        else 415
        if isinstance(exc, intake.AttachmentType)
        else 422
    )
    return HTTPException(
        code, {"field": exc.field, "problem": exc.problem, "accepted": exc.accepted}
    )


async def _parse(
    request: Request, channel: str
) -> tuple[intake.IntakeRequest, bytes, dict[str, Any]]:
    """The request's fields and uploads, plus canonical bytes to hash for idempotency."""
    kind = request.headers.get("content-type", "")
    uploads: list[Upload] = []
    if kind.startswith("application/json"):
        raw = await request.body()
        try:
            data: dict[str, Any] = json.loads(raw)
        except ValueError as exc:
            raise HTTPException(422, "body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise HTTPException(422, "body must be a JSON object")
    else:
        async with request.form(
            max_files=intake.MAX_ATTACHMENTS + 1, max_part_size=intake.MAX_ATTACHMENT_BYTES + 1
        ) as form:
            data = {k: v for k, v in form.items() if isinstance(v, str)}
            digest = hashlib.sha256()
            for name, value in form.multi_items():
                if name == "attachments" and not isinstance(value, str) and value.filename:
                    content = await value.read(intake.MAX_ATTACHMENT_BYTES + 1)
                    uploads.append(intake.check_upload(len(uploads), value.filename, content))
                    digest.update(hashlib.sha256(content).digest())
        fields = sorted((k, v) for k, v in data.items() if k != "csrf")
        raw = json.dumps(fields, ensure_ascii=False).encode() + digest.digest()
    req = intake.IntakeRequest(
        **{k: str(data.get(k, "")) for k in FIELDS if k != "language"},
        language=str(data.get("language") or "en"),
        channel=channel,
        attachments=tuple(uploads),
    )
    return req, raw, data


def _submit(container: Container, req: intake.IntakeRequest, request: Request | None = None) -> Any:
    """The creating step; with `request`, the rate count joins the report's transaction."""
    unit = container.settings.intake_unit

    def create(deps: Deps) -> tuple[int, dict[str, Any]]:
        if request is not None:
            _rate(container, request, deps)
        got = intake.submit_report(deps, req, unit=unit)
        return 201, {
            "tracking": got.tracking,
            "token": got.token,
            "status_url": f"/api/v1/intake/{got.tracking}/messages",
        }

    return create


def _grouped(
    container: Container, key: str, digest: str, req: intake.IntakeRequest, request: Request
) -> JSONResponse:
    """Plan the report's case (reads only), then store it in a shared transaction.

    Runs in a worker thread: the planning needs no writer lock, and the event loop keeps
    reading other requests while this one waits for its shared commit.
    """
    prepared = intake.prepare_report(container.deps(), req, unit=container.settings.intake_unit)

    def create(deps: Deps) -> tuple[int, dict[str, Any]]:
        _rate(container, request, deps)
        got = intake.store_report(deps, prepared)
        return 201, {
            "tracking": got.tracking,
            "token": got.token,
            "status_url": f"/api/v1/intake/{got.tracking}/messages",
        }

    scope = client_scope(container, request, "api")
    return run_idempotent(container, scope, key, digest, create, group=container.group_commit)


def client_scope(container: Container, request: Request, channel: str) -> str:
    """Whose idempotency keys these are: the client's address (as seen through the trusted
    proxies), keyed and hashed. Another client sending the same key and body is a new report
    and never sees this one's tracking id or token (docs/decisions/0012)."""
    return f"intake:{channel}:{container.source_digest(_client(request))}"


def follow_up_limits(container: Container) -> intake.FollowUpLimits:
    """The reporters' follow-up limits, from settings (`N/seconds` each) or the defaults."""
    s, d = container.settings, intake.LIMITS
    return intake.FollowUpLimits(
        s.intake_token_failures or d.token_failures,
        s.intake_message_rate or d.messages_per_report,
        s.intake_message_source_rate or d.messages_per_source,
    )


def _refusal(refused: intake.Refused | NotFound | Throttled) -> HTTPException:
    """404 for an unknown report or a wrong token (identical either way), 429 over a limit."""
    error = refused.error() if isinstance(refused, intake.Refused) else refused
    if isinstance(error, Throttled):
        return HTTPException(429, str(error), {"Retry-After": str(error.retry_after)})
    return HTTPException(404, "not found")


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


def _csrf_pair(container: Container) -> tuple[str, str]:
    """A random token and its HMAC signature for the double-submit cookie."""
    token = secrets.token_urlsafe(24)
    return token, _sign(container, token)


def _sign(container: Container, token: str) -> str:
    key = hashlib.sha256(
        b"vulndesk:csrf:"
        + container.settings.org_name.encode()
        + str(container.settings.home).encode()
    ).digest()
    secret = container.cipher.ring.keys[container.cipher.ring.current]
    return hmac.new(
        hmac.new(secret, key, hashlib.sha256).digest(), token.encode(), hashlib.sha256
    ).hexdigest()


def build_router(container: Container) -> APIRouter:
    router = APIRouter(tags=["intake"])

    @router.post("/api/v1/intake")
    async def post_intake(request: Request) -> Response:
        # Every request counts against the client's rate. A report that is stored counts in
        # its own transaction (one commit, one fsync); any other outcome counts on its own.
        key = require_key(request)
        try:
            req, raw, _ = await _parse(request, "api")
        except InvalidInput as exc:
            _rate(container, request)
            raise _error(exc) from exc
        except HTTPException:
            _rate(container, request)
            raise
        req = replace(req, source_address=_client(request))
        digest = request_hash("POST", "/api/v1/intake", raw)
        try:
            result = await run_in_threadpool(_grouped, container, key, digest, req, request)
        except InvalidInput as exc:
            _rate(container, request)
            raise _error(exc) from exc
        except _Limited:
            _rate(container, request)  # counted again outside the undone transaction: 429
            raise HTTPException(
                429, "too many reports from this address", {"Retry-After": "1"}
            ) from None
        except HTTPException:
            _rate(container, request)
            raise
        if result.headers.get("Idempotent-Replayed"):
            _rate(container, request)
        return result

    @router.get("/api/v1/intake/{tracking}/messages")
    def get_messages(tracking: str, request: Request) -> JSONResponse:
        token, source, limits = _token(request), _client(request), follow_up_limits(container)
        # Run in the shared transaction; a refusal is returned so its count is kept.
        status = container.group_commit.run(
            lambda deps: intake.read_status(deps, tracking, token, source, limits)
        )
        if isinstance(status, intake.Refused):
            raise _refusal(status)
        return JSONResponse(
            {
                "tracking": status.tracking,
                "state": status.state,
                "received_at": status.received_at.isoformat(),
                "messages": [
                    {"author": m.author, "body": m.body, "at": m.at.isoformat()}
                    for m in status.messages
                ],
                "acknowledgement": _acknowledgement_json(status.acknowledge),
            }
        )

    @router.post("/api/v1/intake/{tracking}/messages", status_code=201)
    async def post_message(tracking: str, request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body()).get("body", "")
            intake.post_message(
                container.deps(),
                tracking,
                _token(request),
                str(body),
                _client(request),
                follow_up_limits(container),
            )
        except (NotFound, Throttled) as exc:
            raise _refusal(exc) from exc
        except (ValueError, AttributeError) as exc:
            raise HTTPException(422, "body must be a JSON object with 'body'") from exc
        except InvalidInput as exc:
            raise _error(exc) from exc
        return JSONResponse({"status": "posted"}, status_code=201)

    @router.get("/.well-known/security.txt", response_class=PlainTextResponse)
    def security_txt() -> str:
        s = container.settings
        expires = (container.clock.now() + dt.timedelta(days=365)).astimezone(dt.UTC)
        base = s.public_url.rstrip("/")
        return (
            f"Contact: {s.security_contact}\n"
            f"Contact: {base}/report\n"
            f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
            "Preferred-Languages: en, zh-CN\n"
            f"Canonical: {base}/.well-known/security.txt\n"
            f"Policy: {s.security_policy_url or base + '/report'}\n"
        )

    @router.get("/report", response_class=HTMLResponse)
    def report_form(request: Request) -> Response:
        token, signed = _csrf_pair(container)
        ctx = {"csrf": token, "idem": secrets.token_urlsafe(18), "error": None}
        resp = TEMPLATES.TemplateResponse(request, "intake/form.html", ctx)
        resp.set_cookie(
            CSRF_COOKIE,
            signed,
            httponly=True,
            samesite="strict",
            secure=container.settings.cookie_secure,
        )
        return resp

    @router.post("/report", response_class=HTMLResponse)
    async def report_submit(request: Request) -> Response:
        _rate(container, request)
        try:
            req, raw, data = await _parse(request, "web")
        except InvalidInput as exc:
            raise _error(exc) from exc
        csrf, idem = str(data.get("csrf", "")), str(data.get("idempotency_key", ""))
        if not hmac.compare_digest(_sign(container, csrf), request.cookies.get(CSRF_COOKIE, "")):
            raise HTTPException(403, "the form expired or was not sent from this site; reload it")
        if not idem or len(idem) > 200 or not (idem.isascii() and idem.isprintable()):
            raise HTTPException(
                400, "the form's idempotency_key field is required (1-200 printable characters)"
            )
        req = replace(req, source_address=_client(request))
        digest = request_hash("POST", "/report", raw)
        try:
            scope = client_scope(container, request, "web")
            result = run_idempotent(container, scope, idem, digest, _submit(container, req))
        except InvalidInput as exc:
            return TEMPLATES.TemplateResponse(
                request,
                "intake/form.html",
                {"csrf": csrf, "idem": idem, "error": f"{exc.field}: {exc.problem}"},
                status_code=422,
            )
        body = json.loads(bytes(result.body))
        return TEMPLATES.TemplateResponse(
            request, "intake/received.html", body, status_code=result.status_code
        )

    @router.get("/report/status", response_class=HTMLResponse)
    def status_form(request: Request) -> Response:
        return _status_page(container, request, None, "", None)

    @router.post("/report/status", response_class=HTMLResponse)
    async def status_submit(request: Request) -> Response:
        async with request.form() as form:
            data = {k: v for k, v in form.items() if isinstance(v, str)}
        if not hmac.compare_digest(
            _sign(container, data.get("csrf", "")), request.cookies.get(CSRF_COOKIE, "")
        ):
            raise HTTPException(403, "the form expired or was not sent from this site; reload it")
        tracking, token = data.get("tracking", "").strip(), data.get("token", "").strip()
        source, limits, deps = _client(request), follow_up_limits(container), container.deps()
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

    return router


def _acknowledgement_json(ack: intake.Acknowledgement | None) -> dict[str, Any] | None:
    if ack is None:
        return None
    return {
        "due": ack.due.isoformat() if ack.due else None,
        "status": ack.status,
        "acknowledged_at": ack.acknowledged_at.isoformat() if ack.acknowledged_at else None,
    }


def _status_page(
    container: Container,
    request: Request,
    status: intake.ReportStatus | None,
    tracking: str,
    error: str | None,
    code: int = 200,
) -> Response:
    token, signed = _csrf_pair(container)
    ctx = {"csrf": token, "status": status, "tracking": tracking, "error": error}
    resp = TEMPLATES.TemplateResponse(request, "intake/status.html", ctx, status_code=code)
    resp.set_cookie(
        CSRF_COOKIE,
        signed,
        httponly=True,
        samesite="strict",
        secure=container.settings.cookie_secure,
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp

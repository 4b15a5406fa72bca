"""Public intake API: reports, follow-up by token, and security.txt (the form is in web/)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from vulndesk.bootstrap import Container
from vulndesk.domain.errors import Conflict, InvalidInput, NotFound
from vulndesk.entrypoints.api.idempotency import HEADER, request_hash, require_key
from vulndesk.exporters.advisories.provider import METADATA, security_txt_line
from vulndesk.services.accounts.signin import Throttled
from vulndesk.services.context import run_joined
from vulndesk.services.intake import public as intake
from vulndesk.services.intake import receive as intake_receive
from vulndesk.services.intake.ports import Upload
from vulndesk.services.intake.receipts import Rate

KEY_PATH = "/.well-known/openpgp-intake-key.asc"
FIELDS = ("product", "version", "description", "steps", "impact", "contact", "language")


def client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def intake_rate(container: Container) -> Rate:
    """How many reports one client address may send per window (VULNDESK_INTAKE_RATE)."""
    return container.settings.intake_rate


def _csaf_line(container: Container, base: str) -> str:
    """The `CSAF:` field, once an advisory is published (the provider metadata exists)."""
    try:
        container.read_site("csaf", METADATA)
    except NotFound:
        return ""
    return security_txt_line(base) + "\n"


def count(container: Container, request: Request) -> None:
    """Count a request refused before it reached the write path; 429 over the rate."""
    try:
        intake_receive.count_request(container.deps(), client(request), intake_rate(container))
    except Throttled as exc:
        raise too_many(exc) from exc


def too_many(exc: Throttled) -> HTTPException:
    return HTTPException(429, str(exc), {"Retry-After": str(exc.retry_after)})


def error(exc: InvalidInput) -> HTTPException:
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


async def parse_report(
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


def _receive(
    container: Container, req: intake.IntakeRequest, sent: intake_receive.Submission
) -> JSONResponse:
    """The shared write path, run in a worker thread: the planning needs no writer lock, and
    the event loop keeps reading other requests while this one waits for its shared commit."""
    unit = container.settings.intake_unit
    try:
        got = intake_receive.receive(container.deps(), req, sent, intake_rate(container), unit=unit)
    except intake_receive.KeyReused as exc:
        raise HTTPException(
            422, f"{HEADER} was already used with a different request body"
        ) from exc
    except InvalidInput as exc:
        raise error(exc) from exc
    except Throttled as exc:
        raise too_many(exc) from exc
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
    headers = {"Idempotent-Replayed": "true"} if got.replayed else None
    return JSONResponse(got.body, status_code=got.status, headers=headers)


def submission(
    container: Container, request: Request, channel: str, key: str, path: str, raw: bytes
) -> intake_receive.Submission:
    """Whose report this is, under which key, and the hash of the request as sent to `path`."""
    scope = client_scope(container, request, channel)
    return intake_receive.Submission(scope, key, request_hash("POST", path, raw), client(request))


def client_scope(container: Container, request: Request, channel: str) -> str:
    """Whose idempotency keys these are: the client's address (as seen through the trusted
    proxies), keyed and hashed. Another client sending the same key and body is a new report
    and never sees this one's tracking id or token (docs/decisions/0012)."""
    return f"intake:{channel}:{container.source_digest(client(request))}"


def follow_up_limits(container: Container) -> intake.FollowUpLimits:
    """The reporters' follow-up limits, from settings (`N/seconds` each) or the defaults."""
    s, d = container.settings, intake.LIMITS
    return intake.FollowUpLimits(
        s.intake_token_failures or d.token_failures,
        s.intake_message_rate or d.messages_per_report,
        s.intake_message_source_rate or d.messages_per_source,
    )


def refusal(refused: intake.Refused | NotFound | Throttled) -> HTTPException:
    """404 for an unknown report or a wrong token (identical either way), 429 over a limit."""
    error = refused.error() if isinstance(refused, intake.Refused) else refused
    if isinstance(error, Throttled):
        return HTTPException(429, str(error), {"Retry-After": str(error.retry_after)})
    return HTTPException(404, "not found")


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


def build_router(container: Container) -> APIRouter:
    router = APIRouter(tags=["intake"])
    _report_routes(router, container)
    _policy_routes(router, container)
    return router


def _report_routes(router: APIRouter, container: Container) -> None:
    """A reporter files a report, reads its status and messages, and writes back."""

    @router.post("/api/v1/intake")
    async def post_intake(request: Request) -> Response:
        # Every request counts against the client's rate (see services.intake_receive).
        key = require_key(request)
        try:
            req, raw, _ = await parse_report(request, "api")
        except InvalidInput as exc:
            count(container, request)
            raise error(exc) from exc
        except HTTPException:
            count(container, request)
            raise
        req = replace(req, source_address=client(request))
        sent = submission(container, request, "api", key, "/api/v1/intake", raw)
        return await run_in_threadpool(_receive, container, req, sent)

    @router.get("/api/v1/intake/{tracking}/messages")
    def get_messages(tracking: str, request: Request) -> JSONResponse:
        token, source, limits = _token(request), client(request), follow_up_limits(container)
        # Run in the shared transaction; a refusal is returned so its count is kept.
        status = run_joined(
            container.deps(), lambda deps: intake.read_status(deps, tracking, token, source, limits)
        )
        if isinstance(status, intake.Refused):
            raise refusal(status)
        return JSONResponse(_status_json(status))

    @router.post("/api/v1/intake/{tracking}/messages", status_code=201)
    async def post_message(tracking: str, request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body()).get("body", "")
            intake.post_message(
                container.deps(),
                tracking,
                _token(request),
                str(body),
                client(request),
                follow_up_limits(container),
            )
        except (NotFound, Throttled) as exc:
            raise refusal(exc) from exc
        except (ValueError, AttributeError) as exc:
            raise HTTPException(422, "body must be a JSON object with 'body'") from exc
        except InvalidInput as exc:
            raise error(exc) from exc
        return JSONResponse({"status": "posted"}, status_code=201)


def _policy_routes(router: APIRouter, container: Container) -> None:
    """security.txt and the key reporters encrypt to."""

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
            f"{_csaf_line(container, base)}"
            + (f"Encryption: {base}{KEY_PATH}\n" if container.intake_crypto else "")
        )

    @router.get(KEY_PATH, response_class=PlainTextResponse)
    def intake_key() -> str:
        """The organisation's OpenPGP key that reporters encrypt mail to (404 if none)."""
        if container.intake_crypto is None:
            raise HTTPException(404, "not found")
        return container.intake_crypto.public_key()


def _status_json(status: intake.ReportStatus) -> dict[str, Any]:
    """The reporter's view of their report as JSON."""
    return {
        "tracking": status.tracking,
        "state": status.state,
        "received_at": status.received_at.isoformat(),
        "messages": [
            {"author": m.author, "body": m.body, "at": m.at.isoformat()} for m in status.messages
        ],
        "acknowledgement": _acknowledgement_json(status.acknowledge),
    }


def _acknowledgement_json(ack: intake.Acknowledgement | None) -> dict[str, Any] | None:
    if ack is None:
        return None
    return {
        "due": ack.due.isoformat() if ack.due else None,
        "status": ack.status,
        "acknowledged_at": ack.acknowledged_at.isoformat() if ack.acknowledged_at else None,
    }

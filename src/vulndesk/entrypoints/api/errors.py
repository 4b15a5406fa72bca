"""HTTP error mapping in one place, plus the request-body guard (size, UTF-8, JSON depth).

Every error leaves as `{"error": {"code", "message", "field"}}`:

VulndeskError
├── InvalidInput, RequestValidationError   422 (field named; also a JSON string holding half
│                                          a surrogate pair, refused before any route runs)
├── AuthFailed                             401
├── Forbidden                              403 (never for case visibility)
├── NotFound, unknown route                404 (identical for missing and not visible)
├── GuardFailed, Conflict                  409
├── body too large                         413
├── Throttled                              429 (Retry-After)
└── malformed body / nesting too deep      400
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from vulndesk.domain import values
from vulndesk.domain.errors import (
    Conflict,
    Forbidden,
    GuardFailed,
    InvalidInput,
    NotFound,
    Unavailable,
    VulndeskError,
)
from vulndesk.services.accounts.signin import AuthFailed, Throttled

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
_STATUS = {
    InvalidInput: 422,
    AuthFailed: 401,
    Forbidden: 403,
    NotFound: 404,
    GuardFailed: 409,
    Conflict: 409,
    Throttled: 429,
    Unavailable: 502,
}
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorOut(BaseModel):
    """The one error shape every route documents and returns."""

    error: ErrorDetail


# Routers pass this as `responses=` so OpenAPI documents the error shape instead of FastAPI's.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "Refused: see error.code and error.field"}
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(
    status: int, code: str, message: str, field: str | None = None, **headers: str
) -> JSONResponse:
    return JSONResponse(error_body(code, message, field), status, headers=headers or None)


def _domain(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, VulndeskError):  # registered for this class only
        raise exc
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
    field = exc.field if isinstance(exc, InvalidInput) else None
    headers: dict[str, str] = {}
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, AuthFailed):
        headers["WWW-Authenticate"] = "Bearer"
    # A 404 never echoes the key, so "missing" and "not yours" are byte-identical.
    message = f"{exc.kind} not found" if isinstance(exc, NotFound) else str(exc)
    return error_response(status, exc.code, message, field, **headers)


def _validation(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # registered for this class only
        raise exc
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    return error_response(422, "invalid_input", f"{field or 'request'}: {first.get('msg')}", field)


def _http(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # registered for this class only
        raise exc
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = "not found" if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, code, message, **(exc.headers or {}))


def _internal(_: Request, exc: Exception) -> JSONResponse:
    # Runs outside the middleware stack, so it sets the security headers itself.
    return error_response(500, "internal", "internal error", **SECURITY_HEADERS)


def install(app: FastAPI) -> None:
    app.add_exception_handler(VulndeskError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _internal)


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays/objects nest deeper than `limit` (strings are skipped)."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _nul_parameter(scope: Scope) -> str | None:
    """The first query parameter (or the path) holding U+0000: no store keeps it (PostgreSQL
    refuses it in text), so it is bad input named as such, never a server error."""
    if "\x00" in str(scope.get("path", "")):
        return "path"
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return None


class BodyGuard:
    """Refuses oversize bodies before reading them, then malformed UTF-8 and deep JSON.

    It sits inside the security-header middleware (so its refusals carry the headers) and
    outside FastAPI's parsing (so a hostile body never reaches the JSON decoder).
    """

    # Intake attachments (5 x 10 MB) and supplier documents are large; other bodies stay small.
    UPLOAD_PATHS = ("/api/v1/intake", "/report", "/api/v1/imports/csaf", "/api/v1/imports/sbom")
    UPLOAD_MAX_BYTES = 52 * 1_048_576

    def __init__(self, app: ASGIApp, max_bytes: int = 1_048_576, max_depth: int = 32) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    def _limit(self, scope: Scope) -> int:
        path = str(scope.get("path", ""))
        if scope.get("method") == "POST" and path in self.UPLOAD_PATHS:
            return self.UPLOAD_MAX_BYTES
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nul = _nul_parameter(scope)
        if nul:
            why = f"{nul}: contains a NUL character (U+0000), which no field may hold; remove it"
            await self._refuse(send, 422, "invalid_input", why, nul)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self._limit(scope)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(send, 413, "too_large", f"body over {limit} bytes")
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await self._refuse(send, 413, "too_large", f"body over {limit} bytes")
                return
        problem = self._problem(bytes(body), headers.get("content-type", ""))
        if problem:
            await self._refuse(send, 400, "malformed_body", problem)
            return
        field = _unencodable_field(bytes(body), headers.get("content-type", ""))
        if field:
            why = (
                f"{field}: contains half a surrogate pair (U+D800-U+DFFF), which has no UTF-8 "
                "encoding; send whole characters"
            )
            await self._refuse(send, 422, "invalid_input", why, field)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _problem(self, body: bytes, content_type: str) -> str | None:
        if not body or "json" not in content_type.lower():
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "body is not valid UTF-8"
        if json_depth_exceeds(text, self.max_depth):
            return f"JSON nests deeper than {self.max_depth} levels"
        return None

    @staticmethod
    async def _refuse(
        send: Send, status: int, code: str, message: str, field: str | None = None
    ) -> None:
        payload = json.dumps(error_body(code, message, field)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


# A JSON escape of a high or low surrogate: only then can a string fail to encode as UTF-8.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _unencodable_field(body: bytes, content_type: str) -> str | None:
    """The field of a JSON body whose string has no UTF-8 encoding (a lone surrogate).

    Every route, whatever its model, would otherwise pass such text on until the database
    driver or the cipher fails to encode it (a 500). Well-formed pairs encode and pass.
    """
    if "json" not in content_type.lower() or not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None  # malformed JSON is the route's to report
    return values.unencodable_path(data)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class SecurityHeaders:
    """Adds the security headers to every response that passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.encode(), v.encode())
                    for k, v in SECURITY_HEADERS.items()
                    if k.encode() not in present
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""HTML error pages for people in a browser: 400 (a bad parameter, named), 403, CSRF, 404.

The API keeps its JSON problem answers: a request gets a page only when it is not under
`/api/`, is not an htmx request and its browser asks for HTML. Every other request is handed
to the handler registered before (entrypoints/api/errors.py), so nothing changes for clients.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vulndesk.domain.errors import Forbidden, InvalidInput, NotFound, VulndeskError
from vulndesk.entrypoints.web import i18n
from vulndesk.entrypoints.web.csrf import CsrfRefused
from vulndesk.entrypoints.web.render import page_context, render, say
from vulndesk.entrypoints.web.session import signed_in

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


# What a query or form value must look like, by pydantic's error type (catalogue entries).
_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "yes or no",
    "missing": "a value (it is missing)",
    "string_too_long": "a shorter value",
    "too_long": "fewer values",
}


def wants_page(request: Request) -> bool:
    """Whether the answer should be a console page rather than the API's JSON."""
    if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _page(request: Request, status: int, kind: str, **values: Any) -> Response:
    # The signed-in user (if any) gets the console's navigation on the error page too.
    with contextlib.suppress(VulndeskError):
        signed_in(request)
    if kind == "not-found":
        # The page a refused or missing console object gets: an unknown address is the same.
        return render(request, "console/reports/not_found.html", status=404)
    return render(request, "console/error.html", status=status, kind=kind, **values)


def _bad_parameter(request: Request, exc: RequestValidationError) -> Response:
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
    name = ".".join(loc) or "request"
    expected = _EXPECTED.get(str(first.get("type", "")), "a valid value")
    return _page(request, 400, "bad-parameter", parameter=name[:64], expected=expected)


def _choose(exc: Exception, request: Request) -> Response | None:
    if isinstance(exc, CsrfRefused):
        return _page(request, 403, "csrf")
    if isinstance(exc, RequestValidationError):
        return _bad_parameter(request, exc)
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 404:
        return _page(request, 404, "not-found")
    if isinstance(exc, NotFound):
        return _page(request, 404, "not-found")
    if isinstance(exc, Forbidden):
        return _page(request, 403, "forbidden")
    if isinstance(exc, InvalidInput):
        expected = exc.accepted or "a valid value"
        # Other languages than English get the catalogue's sentence (the service's is English).
        message = say(request, exc) if page_context(request).lang != i18n.DEFAULT else ""
        return _page(
            request,
            400,
            "bad-parameter",
            parameter=exc.field[:64],
            expected=expected,
            message=message,
        )
    return None


def install(app: FastAPI) -> None:
    """Put the page answers in front of the handlers already registered for these errors."""
    for cls in (StarletteHTTPException, RequestValidationError, VulndeskError):
        before = app.exception_handlers.get(cls)
        app.add_exception_handler(cls, _handler(before))


def _handler(before: Handler | None) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        page = _choose(exc, request) if wants_page(request) else None
        if page is not None:
            return page
        if before is None:
            raise exc
        answer = before(request, exc)
        return answer if isinstance(answer, Response) else await answer

    return handle

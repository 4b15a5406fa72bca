"""Request ids, JSON logs and Prometheus metrics for the served app.

Every request gets an id: the client's `X-Request-ID` when it is a plain token (letters,
digits, `.`, `_`, `-`, at most 128), else a new one; it is echoed in the response header and
carried by every log line written while the request runs. `/metrics` answers an admin's API
token, the `VULNDESK_METRICS_TOKEN` bearer secret, or a client on this machine that came
through no proxy; anyone else gets 404, as for a page that does not exist.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hmac
import ipaddress
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from vulndesk.bootstrap import Container
from vulndesk.domain.errors import NotFound
from vulndesk.services.accounts import signin as accounts_auth

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]

REQUEST_ID = contextvars.ContextVar("vulndesk_request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_access = logging.getLogger("vulndesk.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: instant, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or REQUEST_ID.get()
        if rid:
            line["request_id"] = rid
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class Metrics:
    """The app's own registry (one per app, so tests may build many apps)."""

    def __init__(self, container: Container) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vulndesk_http_requests", "HTTP requests answered", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "vulndesk_http_request_duration_seconds", "Time to answer a request",
            ["method", "route"], registry=self.registry,
        )  # fmt: skip
        self.registry.register(_Figures(container))


class _Figures(Collector):
    """Database and checkpoint figures, read at each scrape."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def collect(self) -> Iterator[GaugeMetricFamily]:
        found = self.container.operations_figures()
        depth = GaugeMetricFamily(
            "vulndesk_outbox_messages", "Outbox messages by status", labels=["status"]
        )
        for status in ("pending", "claimed", "failed", "sent"):
            depth.add_metric([status], found.get(f"outbox_{status}", 0.0))
        yield depth
        yield GaugeMetricFamily(
            "vulndesk_overdue_obligations", "Obligations past due and not met",
            value=found["overdue_obligations"],
        )  # fmt: skip
        yield GaugeMetricFamily(
            "vulndesk_worker_lag_seconds", "Age of the oldest outbox message due and not sent",
            value=found["worker_lag_seconds"],
        )  # fmt: skip
        if "checkpoint_age_seconds" in found:
            yield GaugeMetricFamily(
                "vulndesk_checkpoint_age_seconds", "Age of the newest signed audit checkpoint",
                value=found["checkpoint_age_seconds"],
            )  # fmt: skip


class RequestContext:
    """ASGI middleware: the request id, the access log line and the request metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._record(scope, status, time.perf_counter() - started, rid)
            REQUEST_ID.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float, rid: str) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(seconds)
        client = scope.get("client") or ("", 0)
        # The path without its query string: a query may carry what a log must not keep.
        _access.info(
            "%s %s %d", method, scope.get("path", ""), status,
            extra={"request_id": rid, "fields": {
                "method": method, "path": scope.get("path", ""), "route": route,
                "status": status, "duration_ms": round(seconds * 1000, 3), "client": client[0],
            }},
        )  # fmt: skip


def _may_read(request: Request, container: Container) -> bool:
    auth = request.headers.get("authorization", "")
    scheme, _, secret = auth.partition(" ")
    if scheme.lower() == "bearer" and secret:
        expected = container.settings.metrics_token
        if expected and hmac.compare_digest(secret.encode(), expected.encode()):
            return True
        found = accounts_auth.token_principal(container.deps(), secret)
        return found is not None and "admin" in found.roles
    host = request.client.host if request.client else ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    # A proxy on this machine would make every client look local: forwarded requests never are.
    return local and "x-forwarded-for" not in request.headers and "forwarded" not in request.headers


def install(app: FastAPI, container: Container) -> None:
    metrics = Metrics(container)

    @app.get("/metrics", include_in_schema=False)
    def metrics_page(request: Request) -> Response:
        if not _may_read(request, container):
            raise NotFound("page", "metrics")
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestContext, metrics=metrics)

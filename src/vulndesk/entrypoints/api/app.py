"""The FastAPI application factory: routes, error mapping, body guard, security headers."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from vulndesk import __version__
from vulndesk.bootstrap import Container
from vulndesk.entrypoints import web
from vulndesk.entrypoints.api import (
    errors,
    intake,
    observability,
    public_site,
    routes_admin,
    routes_advisories,
    routes_auth,
    routes_case_thread,
    routes_case_work,
    routes_cases,
    routes_coordination_embargo,
    routes_coordination_participants,
    routes_coordination_shares,
    routes_coordination_threads,
    routes_coordination_trace,
    routes_cve,
    routes_exposure,
    routes_ledger,
    routes_portal,
    routes_provider_import,
    routes_publication,
    routes_reference,
    routes_regimes,
    routes_reports,
    routes_rules,
    routes_sso,
    routes_waivers,
)
from vulndesk.entrypoints.web import public_form

OPENAPI_URL = "/api/v1/openapi.json"

# A self-contained page listing the operations: no CDN, no inline script (the CSP forbids it).
_DOCS_HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>vulndesk API</title></head><body><h1>vulndesk API v1</h1>
<p>Machine-readable description: <a href="{url}">{url}</a></p><table>
<tr><th>method</th><th>path</th><th>summary</th></tr>"""


def _docs_page(spec: dict[str, Any]) -> str:
    from html import escape

    rows = []
    for path, ops in sorted(spec.get("paths", {}).items()):
        for method, op in ops.items():
            summary = op.get("summary", "")
            rows.append(
                f"<tr><td>{escape(method.upper())}</td><td><code>{escape(path)}</code></td>"
                f"<td>{escape(summary)}</td></tr>"
            )
    return _DOCS_HEAD.format(url=OPENAPI_URL) + "".join(rows) + "</table></body></html>"


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="vulndesk",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL,
    )
    app.state.container = container
    errors.install(app)
    # Added last = outermost: security headers wrap the body guard, so refusals carry them.
    app.add_middleware(errors.BodyGuard)
    app.add_middleware(errors.SecurityHeaders)
    # Outermost of all: every answer, refusals included, carries its request id and is counted.
    observability.install(app, container)
    _ops_routes(app, container)
    _include_routers(app, container)
    web.install(app)
    return app


def _ops_routes(app: FastAPI, container: Container) -> None:
    """The health check and the API's route list."""

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "schema_current": container.schema_is_current(),
        }

    @app.get("/api/v1/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app.openapi()))


def _include_routers(app: FastAPI, container: Container) -> None:
    # The public intake first: the busiest routes, matched without trying every other one.
    app.include_router(intake.build_router(container))
    app.include_router(public_form.build_router(container))
    app.include_router(public_site.build_router(container))
    app.include_router(routes_auth.router)
    app.include_router(routes_reference.router)
    app.include_router(routes_cases.router)
    app.include_router(routes_case_work.router)
    app.include_router(routes_case_thread.router)
    app.include_router(routes_coordination_participants.router)
    app.include_router(routes_coordination_embargo.router)
    app.include_router(routes_coordination_shares.router)
    app.include_router(routes_coordination_threads.router)
    app.include_router(routes_coordination_trace.router)
    app.include_router(routes_portal.router)
    app.include_router(routes_reports.router)
    app.include_router(routes_ledger.router)
    app.include_router(routes_publication.router)
    app.include_router(routes_provider_import.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_waivers.router)
    app.include_router(routes_exposure.router)
    app.include_router(routes_advisories.router)
    app.include_router(routes_cve.router)
    app.include_router(routes_regimes.router)
    app.include_router(routes_rules.router)
    app.include_router(routes_sso.router)


def create_app_from_env() -> FastAPI:
    """The application built from the VULNDESK_* environment: what each server process runs.

    `vulndesk serve --workers N` starts N processes that each import and call this, so every
    setting they need must come from the environment they inherit.
    """
    import faulthandler
    import signal

    from vulndesk.bootstrap import build

    os.umask(0o077)  # what this process creates is the owner's alone (see cli.main.run)
    # `kill -USR1 <worker pid>` writes every thread's stack to stderr: how to see where it hangs.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    return create_app(build())

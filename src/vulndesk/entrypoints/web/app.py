"""The web console: mounts static assets and the page routers onto the application."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from vulndesk.entrypoints.web import (
    errors,
    pages_account,
    pages_admin,
    pages_admin_reference,
    pages_advisories,
    pages_audit,
    pages_case_work,
    pages_cases,
    pages_cases_forms,
    pages_coordination,
    pages_core,
    pages_cve,
    pages_exposure,
    pages_needs,
    pages_oversight,
    pages_portal,
    pages_reports,
    pages_rules,
    pages_sso,
)
from vulndesk.entrypoints.web.session import SignInRequired

STATIC = str(resources.files("vulndesk.entrypoints.web") / "static")

# Page routers of the console areas; each area adds its module here.
# The case work router comes first: its /cases/new and /cases/triage are not case keys.
ROUTERS = [pages_core.router, pages_case_work.router, pages_cases.router]
ROUTERS += [pages_cases_forms.router]
ROUTERS += [pages_reports.router, pages_oversight.router, pages_admin.router]
ROUTERS += [pages_admin_reference.router, pages_account.router, pages_exposure.router]
ROUTERS += [pages_rules.router, pages_audit.router]
ROUTERS += [pages_sso.router, pages_advisories.router, pages_cve.router, pages_coordination.router]
ROUTERS += [pages_needs.router, pages_portal.router]


def install(app: FastAPI) -> None:
    """Add the console to the app that also serves the API (same origin, same cookies)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(SignInRequired)
    async def _sign_in(_request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse((exc.headers or {}).get("Location", "/login"), status_code=303)

    for router in ROUTERS:
        app.include_router(router)
    errors.install(app)

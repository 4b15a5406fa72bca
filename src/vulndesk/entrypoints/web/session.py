"""Who is signed in to the console: the session cookie becomes a Principal, or a redirect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from vulndesk.bootstrap import Container
from vulndesk.entrypoints.web import clockfmt, csrf
from vulndesk.entrypoints.web.render import page_context
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import preferences
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.context import Actor, Deps

SESSION_COOKIE = "vd_session"
ZONE_COOKIE = "vd_tz"  # the browser's IANA zone, written by static/zone.js


class SignInRequired(HTTPException):
    """Raised to send the browser to the sign-in page (mapped to a 303 in pages)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(
            status_code=303, headers={"Location": "/login?next=" + quote(next_path, safe="/")}
        )


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a console request."""

    principal: Principal
    secret: str
    container: Container
    zone: str = "UTC"  # the zone this viewer reads and types times in
    saved_language: str | None = None

    @property
    def deps(self) -> Deps:
        return self.container.deps()

    def actor(self, request: Request) -> Actor:
        host = request.client.host if request.client else "unknown"
        return self.principal.actor(f"web:{host}")


def container_of(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


def signed_in(request: Request) -> Viewer | None:
    """The viewer of a live session, or None; the page then speaks and shows times for them.

    Language: the user's saved choice, else the `vd_lang` cookie, else Accept-Language.
    Zone: the user's saved zone, else the browser's (the `vd_tz` cookie set by zone.js), else
    the organisation's.
    """
    container = container_of(request)
    secret = request.cookies.get(SESSION_COOKIE, "")
    found = accounts_auth.session_principal(container.deps(), secret) if secret else None
    if found is None:
        return None
    found = found.via(f"web:{request.client.host if request.client else 'unknown'}")
    chosen = preferences.preferences_of(container.deps(), found.name)
    page = page_context(request)
    page.user = found
    page.csrf = csrf.token_for(container, secret)
    page.zone = (
        chosen.timezone
        or clockfmt.browser_zone(request.cookies.get(ZONE_COOKIE))
        or container.settings.timezone
    )
    page.lang = chosen.language or page.lang
    return Viewer(found, secret, container, page.zone, chosen.language)


def viewer(request: Request) -> Viewer:
    """The signed-in principal, or a redirect to the sign-in page."""
    found = signed_in(request)
    if found is None:
        path = request.url.path if request.method == "GET" else "/"
        raise SignInRequired(path)
    return found


async def checked_viewer(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """As `viewer`, and for state-changing requests the CSRF token must be present and right."""
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        presented = request.headers.get(csrf.HEADER)
        if presented is None:
            form = await request.form()
            value = form.get(csrf.FIELD)
            presented = value if isinstance(value, str) else None
        if not csrf.valid(who.container, who.secret, presented):
            raise csrf.CsrfRefused()
    return who


CurrentViewer = Annotated[Viewer, Depends(checked_viewer)]

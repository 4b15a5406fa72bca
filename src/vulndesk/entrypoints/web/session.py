"""Who is signed in to the console: the session cookie becomes a Principal, or a redirect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from vulndesk.bootstrap import Container
from vulndesk.entrypoints.web import csrf
from vulndesk.entrypoints.web.render import page_context
from vulndesk.services import accounts_auth
from vulndesk.services.access import Principal
from vulndesk.services.context import Actor, Deps

SESSION_COOKIE = "vd_session"


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

    @property
    def deps(self) -> Deps:
        return self.container.deps()

    def actor(self, request: Request) -> Actor:
        host = request.client.host if request.client else "unknown"
        return self.principal.actor(f"web:{host}")


def container_of(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


def viewer(request: Request) -> Viewer:
    """The signed-in principal; on POST the CSRF token must match, else 403."""
    container = container_of(request)
    secret = request.cookies.get(SESSION_COOKIE, "")
    found = accounts_auth.session_principal(container.deps(), secret) if secret else None
    if found is None:
        path = request.url.path if request.method == "GET" else "/"
        raise SignInRequired(path)
    page = page_context(request)
    page.user = found
    page.csrf = csrf.token_for(container, secret)
    page.zone = container.settings.timezone
    return Viewer(found, secret, container)


async def checked_viewer(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """As `viewer`, and for state-changing requests the CSRF token must be present and right."""
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        presented = request.headers.get(csrf.HEADER)
        if presented is None:
            form = await request.form()
            value = form.get(csrf.FIELD)
            presented = value if isinstance(value, str) else None
        if not csrf.valid(who.container, who.secret, presented):
            raise HTTPException(
                status_code=403, detail="CSRF token missing or wrong; reload the page"
            )
    return who


CurrentViewer = Annotated[Viewer, Depends(checked_viewer)]

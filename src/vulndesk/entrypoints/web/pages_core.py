"""Console pages every user needs: sign-in, sign-out, language switch, the dashboard."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.domain.errors import VulndeskError
from vulndesk.entrypoints.web import i18n, pages_dashboard
from vulndesk.entrypoints.web.render import render
from vulndesk.entrypoints.web.session import (
    SESSION_COOKIE,
    CurrentViewer,
    container_of,
    signed_in,
)
from vulndesk.services.accounts import admin as account_admin
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.coordination import portal

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-origin relative paths: never an open redirect (`//evil`, `https://…`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def login_page(
    request: Request, status: int = 200, next: str = "/", error: str | None = None, taken: str = ""
) -> Response:
    """The sign-in page: the password form unless local accounts are off, the provider's button."""
    settings = container_of(request).settings
    return render(
        request,
        "console/login.html",
        status=status,
        next=safe_next(next),
        error=error,
        sso_name=settings.oidc.name if settings.oidc else None,
        local_login=settings.local_login,
        taken=taken,
    )


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return login_page(request, next=next)


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=500)],
    totp: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    container = container_of(request)
    if not container.settings.local_login:
        return login_page(request, 403, next, "local_off")
    host = request.client.host if request.client else "unknown"
    try:
        issued = accounts_auth.login(
            container.deps(), container.passwords, name, password, totp or None, f"web:{host}"
        )
    except VulndeskError:
        return login_page(request, 401, next, "sign_in_failed")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        httponly=True,
        secure=container.settings.cookie_secure,
        samesite="strict",
        max_age=12 * 3600,
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, who: CurrentViewer) -> Response:
    accounts_auth.logout(who.deps, who.secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, back: str = "/") -> Response:
    """Remember the language in a cookie and, when someone is signed in, in their settings.

    A GET that saves a setting is safe here: the session cookie is SameSite=strict, so a link
    followed from another site arrives without it and changes nothing but the cookie.
    """
    chosen = lang if lang in i18n.LANGUAGES else i18n.DEFAULT
    who = signed_in(request)
    if who is not None and who.saved_language != chosen:
        account_admin.change_preferences(who.deps, who.principal, who.principal.name, None, chosen)
    response = RedirectResponse(safe_next(back), status_code=303)
    response.set_cookie(
        "vd_lang", chosen, httponly=True, samesite="strict", max_age=365 * 86400, path="/"
    )
    return response


@router.get("/")
def dashboard(request: Request, who: CurrentViewer) -> Response:
    if portal.is_participant(who.principal):
        return RedirectResponse("/shared", status_code=303)  # a participant's home is its portal
    return pages_dashboard.page(request, who)

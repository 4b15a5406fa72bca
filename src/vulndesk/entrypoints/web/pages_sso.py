"""Console sign-in through an OpenID Connect provider: the redirect out and the callback."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.bootstrap import Container
from vulndesk.domain.errors import VulndeskError
from vulndesk.entrypoints.web.pages_core import login_page, safe_next
from vulndesk.entrypoints.web.render import render
from vulndesk.entrypoints.web.session import SESSION_COOKIE, container_of
from vulndesk.services.accounts import sso
from vulndesk.services.accounts.signin import ABSOLUTE

router = APIRouter(include_in_schema=False)
PENDING_COOKIE = "vd_oidc"


def _key(container: Container) -> bytes:
    ring = container.cipher.ring
    return hashlib.sha256(b"vulndesk:oidc-pending:" + ring.keys[min(ring.keys)]).digest()


def _seal(container: Container, pending: sso.Pending) -> str:
    """The pending sign-in as a cookie value, bound to this server by an HMAC."""
    body = json.dumps(
        [
            pending.state,
            pending.nonce,
            pending.verifier,
            pending.next,
            pending.started_at.isoformat(),
        ]
    ).encode()
    text = base64.urlsafe_b64encode(body).decode()
    return text + "." + hmac.new(_key(container), text.encode(), hashlib.sha256).hexdigest()


def _unseal(container: Container, value: str | None) -> sso.Pending | None:
    text, _, mac = (value or "").partition(".")
    good = hmac.new(_key(container), text.encode(), hashlib.sha256).hexdigest()
    if not text or not hmac.compare_digest(good, mac):
        return None
    state, nonce, verifier, next_path, started = json.loads(base64.urlsafe_b64decode(text))
    return sso.Pending(state, nonce, verifier, next_path, dt.datetime.fromisoformat(started))


@router.get("/login/oidc")
def start(request: Request, next: str = "/") -> Response:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge."""
    container = container_of(request)
    provider = container.identity_provider
    if provider is None:
        return RedirectResponse("/login", status_code=303)  # no provider is configured
    try:
        pending, url = sso.begin(container.deps(), provider, safe_next(next))
    except (VulndeskError, OSError, ValueError):
        return login_page(request, 502, "/", "sso_failed")
    response = RedirectResponse(url, status_code=303)
    # Lax, not strict: the provider's redirect back is a cross-site navigation.
    response.set_cookie(
        PENDING_COOKIE,
        _seal(container, pending),
        httponly=True,
        secure=container.settings.cookie_secure,
        samesite="lax",
        max_age=int(sso.PENDING.total_seconds()),
        path="/login/oidc",
    )
    return response


@router.get("/login/oidc/callback")
def callback(request: Request, state: str = "", code: str = "") -> Response:
    """Finish the sign-in; the new session is the same kind a password sign-in makes."""
    container = container_of(request)
    provider, policy = container.identity_provider, container.settings.oidc
    if provider is None or policy is None:
        return RedirectResponse("/login", status_code=303)  # no provider is configured
    host = request.client.host if request.client else "unknown"
    try:
        pending = _unseal(container, request.cookies.get(PENDING_COOKIE))
    except (ValueError, TypeError):  # sealed by this server, so only after a key change
        pending = None
    try:
        issued = sso.complete(
            container.deps(), policy, provider, pending, (state[:200], code[:2000]), f"web:{host}"
        )
    except (VulndeskError, OSError):
        response = login_page(request, 401, "/", "sso_failed")
        response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
        return response
    # The session cookie is SameSite=strict, so the way on is a same-site page, not a redirect
    # that still counts as the provider's cross-site navigation.
    target = safe_next(pending.next if pending else "/")
    response = render(request, "console/sso_done.html", target=target)
    response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        httponly=True,
        secure=container.settings.cookie_secure,
        samesite="strict",
        max_age=int(ABSOLUTE.total_seconds()),
        path="/",
    )
    return response

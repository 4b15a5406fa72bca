"""Console sign-in through an OpenID Connect provider: the redirect out and the callback."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.bootstrap import Container, KeyringError
from vulndesk.domain.errors import VulndeskError
from vulndesk.entrypoints.web.pages_core import login_page, safe_next
from vulndesk.entrypoints.web.render import render
from vulndesk.entrypoints.web.session import SESSION_COOKIE, container_of
from vulndesk.services.accounts import sso, sso_totp
from vulndesk.services.accounts.signin import ABSOLUTE, Issued

router = APIRouter(include_in_schema=False)
PENDING_COOKIE = "vd_oidc"
# The sign-in that still owes a one-time code: encrypted (it may carry a TOTP secret being
# enrolled) and sent back only to the code form, same-site.
TOTP_COOKIE = "vd_oidc_totp"
_TOTP_CONTEXT = "oidc:second-step"


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


def _seal_step(container: Container, step: sso.SecondStep, next_path: str) -> str:
    body = json.dumps([step.user, step.enrol or "", step.started_at.isoformat(), next_path])
    blob = container.cipher.encrypt_text(body, _TOTP_CONTEXT)
    return base64.urlsafe_b64encode(blob).decode()


def _unseal_step(container: Container, value: str | None) -> tuple[sso.SecondStep, str] | None:
    try:
        body = container.cipher.decrypt_text(base64.urlsafe_b64decode(value or ""), _TOTP_CONTEXT)
        user, enrol, started, next_path = json.loads(body)
    except (ValueError, TypeError, KeyringError):  # not sealed by this server, or malformed
        return None
    return sso.SecondStep(user, dt.datetime.fromisoformat(started), enrol or None), next_path


def _totp_page(
    request: Request, step: sso.SecondStep, status: int = 200, error: bool = False
) -> Response:
    return render(
        request,
        "console/sso_totp.html",
        status=status,
        user=step.user,
        enrol=step.enrol or "",
        otpauth=sso_totp.enrolment_uri(step),
        error=error,
    )


def _signed_in(request: Request, issued: Issued, target: str) -> Response:
    """The session cookie, and the way on as a same-site page: the session cookie is
    SameSite=strict, so a redirect that still counts as the provider's cross-site navigation
    would arrive without it."""
    container = container_of(request)
    response = render(request, "console/sso_done.html", target=safe_next(target))
    response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
    response.delete_cookie(TOTP_COOKIE, path="/login/oidc")
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
    except sso.NameTaken as exc:
        response = login_page(request, 409, "/", "sso_name_taken", taken=exc.name)
        response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
        return response
    except (VulndeskError, OSError):
        response = login_page(request, 401, "/", "sso_failed")
        response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
        return response
    target = pending.next if pending else "/"
    if isinstance(issued, sso.SecondStep):  # vulndesk's one-time code is still owed
        response = _totp_page(request, issued)
        response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
        response.set_cookie(
            TOTP_COOKIE,
            _seal_step(container, issued, target),
            httponly=True,
            secure=container.settings.cookie_secure,
            samesite="strict",
            max_age=int(sso.PENDING.total_seconds()),
            path="/login/oidc",
        )
        return response
    return _signed_in(request, issued, target)


@router.post("/login/oidc/totp")
def second_step(request: Request, totp: Annotated[str, Form(max_length=12)] = "") -> Response:
    """The one-time code after a provider sign-in (or the first code of a device enrolled now)."""
    container = container_of(request)
    found = _unseal_step(container, request.cookies.get(TOTP_COOKIE))
    if found is None:
        return login_page(request, 401, "/", "sso_failed")
    step, target = found
    host = request.client.host if request.client else "unknown"
    try:
        issued = sso_totp.finish(container.deps(), step, totp, f"web:{host}")
    except VulndeskError:
        return _totp_page(request, step, 401, error=True)
    return _signed_in(request, issued, target)

"""CSRF protection for console forms (a token bound to the session by an HMAC) and for the
public report form (a double-submit cookie).

Forms carry it in a hidden `csrf` field; htmx requests send it in the `X-CSRF-Token` header
(set once on <body> with hx-headers). A POST without the right token is refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException

from vulndesk.bootstrap import Container

HEADER = "x-csrf-token"
FIELD = "csrf"


class CsrfRefused(HTTPException):
    """A console form without the session's CSRF token (an old page, another session)."""

    def __init__(self) -> None:
        super().__init__(status_code=403, detail="CSRF token missing or wrong; reload the page")


def _key(container: Container) -> bytes:
    ring = container.cipher.ring
    return hashlib.sha256(b"vulndesk:console-csrf:" + ring.keys[min(ring.keys)]).digest()


def token_for(container: Container, session_secret: str) -> str:
    return hmac.new(_key(container), session_secret.encode(), hashlib.sha256).hexdigest()


def valid(container: Container, session_secret: str, presented: str | None) -> bool:
    if not presented or not session_secret:
        return False
    return hmac.compare_digest(token_for(container, session_secret), presented)


# The public report form has no session: a double-submit cookie holds the signature of the
# random token the form carries (the reporter's browser alone can send both).
PUBLIC_COOKIE = "vd_intake_csrf"


def public_pair(container: Container) -> tuple[str, str]:
    """A random token for the public form, and its signature for the cookie."""
    token = secrets.token_urlsafe(24)
    return token, public_signature(container, token)


def public_signature(container: Container, token: str) -> str:
    key = hashlib.sha256(
        b"vulndesk:csrf:"
        + container.settings.org_name.encode()
        + str(container.settings.home).encode()
    ).digest()
    secret = container.cipher.ring.keys[container.cipher.ring.current]
    return hmac.new(
        hmac.new(secret, key, hashlib.sha256).digest(), token.encode(), hashlib.sha256
    ).hexdigest()


def public_valid(container: Container, token: str, cookie: str) -> bool:
    """Whether the form's token matches the signature in the cookie."""
    return hmac.compare_digest(public_signature(container, token), cookie)

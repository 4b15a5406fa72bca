"""CSRF protection for console forms: a token bound to the session by an HMAC.

Forms carry it in a hidden `csrf` field; htmx requests send it in the `X-CSRF-Token` header
(set once on <body> with hx-headers). A POST without the right token is refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac

from vulndesk.bootstrap import Container

HEADER = "x-csrf-token"
FIELD = "csrf"


def _key(container: Container) -> bytes:
    ring = container.cipher.ring
    return hashlib.sha256(b"vulndesk:console-csrf:" + ring.keys[min(ring.keys)]).digest()


def token_for(container: Container, session_secret: str) -> str:
    return hmac.new(_key(container), session_secret.encode(), hashlib.sha256).hexdigest()


def valid(container: Container, session_secret: str, presented: str | None) -> bool:
    if not presented or not session_secret:
        return False
    return hmac.compare_digest(token_for(container, session_secret), presented)

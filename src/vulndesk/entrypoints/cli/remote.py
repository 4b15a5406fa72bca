"""Acting through a running vulndesk server: its URL, its REST API, and its errors as exit codes.

After `vulndesk login NAME --server URL` the CLI keeps the token the server issued (0600, one
file per server URL) and marks that server as the one to act through. The commands in
`THROUGH_SERVER` then call the server's API with that token; every other human command
refuses (it would otherwise act on a local database as someone else) until `vulndesk logout`.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli import credentials
from vulndesk.entrypoints.cli.common import (
    EXIT_CONFLICT,
    EXIT_SIGNED_OUT,
    container,
    errors,
    fail,
)

# The human commands that act through a server when signed in to one (docs/cli-sign-in.md).
THROUGH_SERVER = (
    "whoami",
    "logout",
    "case list",
    "case show",
    "case record-fact",
    "coord participants list",
    "coord participants add",
    "coord status set",
    "coord status approve",
    "coord status list",
    "coord embargo propose",
    "coord embargo accept",
    "coord embargo decline",
    "coord embargo extend",
    "coord embargo end",
    "coord embargo show",
    "coord embargo break",
    "coord share",
    "coord thread post",
    "coord thread read",
    "coord suggest",
    "coord party-purls",
    "coord trace",
)
TIMEOUT = 30.0


def server_url(text: str) -> str:
    """A server's base URL: https, or plain http only on this machine (a token must never
    cross a network in clear)."""
    fix = "e.g. https://vulndesk.example.com or http://127.0.0.1:8000"
    try:
        parts = urlsplit(text.strip())
        host = parts.hostname or ""
        _ = parts.port
    except ValueError as exc:
        raise InvalidInput("--server", f"{text[:80]!r} is not a URL", fix) from exc
    if parts.scheme not in {"https", "http"} or not host or parts.username or parts.query:
        raise InvalidInput("--server", f"{text[:80]!r} is not a server URL", fix)
    if parts.scheme == "http" and not _loopback(host):
        raise InvalidInput(
            "--server", "plain http would send the password in clear", "use https://"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def active() -> str | None:
    """The server the CLI acts through, or None (the local database)."""
    with errors():
        return credentials.active_server(container().settings)


@dataclass(frozen=True, slots=True)
class Remote:
    """A signed-in server: its URL and the stored token."""

    server: str
    stored: credentials.Stored

    def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        creating: bool = False,
        raw: bool = False,
    ) -> Any:
        """The JSON answer of one API call (its text when `raw`); a refusal exits with the
        CLI's code for it."""
        headers = {"Authorization": f"Bearer {self.stored.token}"}
        if creating:
            headers["Idempotency-Key"] = "cli-" + secrets.token_hex(16)
        response = send(self.server, method, path, body, params, headers)
        if response.status_code == 401:
            fail(
                f"your sign-in at {self.server} has expired or was revoked:"
                f" run `vulndesk login --server {self.server}`",
                EXIT_SIGNED_OUT,
            )
        check(response)
        if raw:
            return response.text
        return None if response.status_code == 204 else response.json()


def send(
    server: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    params: dict[str, Any] | None,
    headers: dict[str, str],
) -> httpx.Response:
    try:
        with httpx.Client(base_url=server, timeout=TIMEOUT, follow_redirects=False) as client:
            return client.request(method, path, json=body, params=params, headers=headers)
    except httpx.HTTPError as exc:
        fail(f"cannot reach {server}: {type(exc).__name__}")


def check(response: httpx.Response) -> None:
    """Exit with the server's one-line message for any refusal (as a local command would)."""
    if response.status_code < 400:
        return
    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = f"the server answered {response.status_code}"
    fail(message, EXIT_CONFLICT if response.status_code == 409 else 2)


def signed_in() -> Remote:
    """The server sign-in the CLI acts through, or exit telling how to sign in."""
    server = active()
    if server is None:
        fail("not signed in to a server: run `vulndesk login NAME --server URL`", EXIT_SIGNED_OUT)
    path = credentials.path_for_server(container().settings, server)
    try:
        stored = credentials.load(path)
    except InvalidInput as exc:
        fail(str(exc))
    if stored is None:
        fail(f"not signed in at {server}: run `vulndesk login --server {server}`", EXIT_SIGNED_OUT)
    return Remote(server, stored)

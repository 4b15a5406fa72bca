"""Who is calling: a bearer token or a session cookie becomes a Principal, or a 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api import idempotency
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.context import Actor, Deps

SESSION_COOKIE = "vd_session"
_bearer = HTTPBearer(auto_error=False, description="API token from `vulndesk user token-create`")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Session cookie")


def container(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


def deps(request: Request) -> Deps:
    return container(request).deps()


def source(request: Request) -> str:
    """The client address as the audit trail records it."""
    return f"api:{request.client.host if request.client else 'unknown'}"


def principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    d = deps(request)
    found = None
    if bearer is not None:
        # A token lookup only reads: a read-only transaction never waits for SQLite's writer.
        c = container(request)
        reader = Deps(lambda: c.uow(readonly=True), d.clock, d.evaluate)
        found = accounts_auth.token_principal(reader, bearer.credentials)
    elif cookie:
        found = accounts_auth.session_principal(d, cookie)
    if found is None:
        raise accounts_auth.AuthFailed("sign in or present a valid API token")
    return found.via(source(request))


# Dependencies that only compute are `async def`: FastAPI runs a plain `def` dependency in a
# worker thread, and each such hop costs more than what these do. `principal` reads the
# database, so it stays a thread's work.
async def actor(request: Request, who: Annotated[Principal, Depends(principal)]) -> Actor:
    return who.actor(source(request))


async def _deps(request: Request) -> Deps:
    return deps(request)


CurrentPrincipal = Annotated[Principal, Depends(principal)]
CurrentActor = Annotated[Actor, Depends(actor)]
CurrentDeps = Annotated[Deps, Depends(_deps)]
# Accepted on every creating POST; printable ASCII only, so it can never split a header.
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]{1,200}$",
        description=idempotency.RETENTION_NOTE,
    ),
]


def idempotent(
    request: Request,
    who: Principal,
    key: str,
    body: BaseModel | None,
    create: Callable[[Deps], BaseModel],
    status: int = 201,
) -> JSONResponse:
    """Run a creating request once per (caller, key); a retry replays the first response."""
    raw = body.model_dump_json().encode() if body is not None else b""
    digest = idempotency.request_hash(request.method, request.url.path, raw)
    return idempotency.run_idempotent(
        container(request),
        f"api:{who.name}",
        key,
        digest,
        lambda joined: (status, create(joined).model_dump(mode="json")),
    )

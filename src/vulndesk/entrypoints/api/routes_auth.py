"""Sign-in routes: session login and logout, who am I and my settings, API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response
from pydantic import BaseModel, Field

from vulndesk.domain.errors import Forbidden, NotFound
from vulndesk.entrypoints.api.auth import (
    SESSION_COOKIE,
    CurrentDeps,
    CurrentPrincipal,
    container,
    source,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import admin as account_admin
from vulndesk.services.accounts import mail_prefs, preferences
from vulndesk.services.accounts import signin as accounts_auth

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=ERROR_RESPONSES)
# Every account may keep its own settings; only the credential's scope limits that.


class LoginIn(BaseModel):
    name: str = Field(max_length=63)
    password: str = Field(max_length=1024)
    totp: str | None = Field(default=None, max_length=10)


class SessionOut(BaseModel):
    user: str
    roles: list[str]
    expires_at: dt.datetime


class MeOut(BaseModel):
    name: str
    roles: list[str]
    unit: str | None
    scopes: list[str]
    timezone: str | None = Field(description="IANA zone times are shown in; null: the org's")
    language: str | None = Field(description="en or zh-CN; null: as the client asks")


class MeIn(BaseModel):
    """Absent fields stay as they are; an empty string clears the choice."""

    timezone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)


class MailOut(BaseModel):
    """Which notifications are mailed to you (each on until turned off)."""

    escalations: bool = Field(description="Deadline escalations on your cases")
    approvals: bool = Field(description="An approval waiting for you on one of your cases")
    messages: bool = Field(description="A reporter's new message on one of your cases")


class MailIn(BaseModel):
    """Absent fields stay as they are."""

    escalations: bool | None = None
    approvals: bool | None = None
    messages: bool | None = None


class TokenIn(BaseModel):
    scopes: list[str] = Field(default=["read"], max_length=2)
    days: int = Field(default=30, ge=1, le=366)
    totp: str | None = Field(default=None, max_length=10)


class TokenOut(BaseModel):
    id: str
    token: str
    scopes: list[str]
    expires_at: dt.datetime


LOCAL_OFF = (
    "password sign-in is turned off here (VULNDESK_LOCAL_LOGIN=0): "
    "sign in through the identity provider in the console"
)


@router.post("/session", response_model=SessionOut)
def login(body: LoginIn, request: Request, response: Response, d: CurrentDeps) -> SessionOut:
    """Sign in with name, password and one-time code; sets an HttpOnly session cookie."""
    c = container(request)
    if not c.settings.local_login:
        raise Forbidden(LOCAL_OFF)
    issued = accounts_auth.login(
        d, c.passwords, body.name, body.password, body.totp, source(request)
    )
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=int(accounts_auth.ABSOLUTE.total_seconds()),
        path="/",
        secure=c.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return SessionOut(
        user=issued.user.name, roles=sorted(issued.user.roles), expires_at=issued.expires_at
    )


class CliSignInOut(BaseModel):
    id: str
    token: str
    user: str
    roles: list[str]
    unit: str | None
    scopes: list[str]
    expires_at: dt.datetime


@router.post("/cli/sign-in", response_model=CliSignInOut, status_code=201)
def cli_sign_in(body: LoginIn, request: Request, d: CurrentDeps) -> CliSignInOut:
    """Exchange name, password and one-time code for a read+write API token that expires
    after VULNDESK_CLI_TOKEN_HOURS: what `vulndesk login --server URL` keeps. Throttled and
    audited like every sign-in; revoke it with DELETE /api/v1/tokens/{id}. A one-time code
    is good once, so there is no Idempotency-Key: a repeated request is a new sign-in."""
    c = container(request)
    issued = accounts_auth.sign_in_token(
        d,
        c.passwords,
        (body.name, body.password, body.totp),
        source(request),
        dt.timedelta(hours=c.settings.cli_token_hours),
    )
    return CliSignInOut(
        id=issued.id,
        token=issued.secret,
        user=issued.user.name,
        roles=sorted(issued.user.roles),
        unit=issued.user.unit,
        scopes=sorted(accounts_auth.SCOPES),
        expires_at=issued.expires_at,
    )


@router.delete("/session", status_code=204)
def logout(
    d: CurrentDeps, vd_session: Annotated[str | None, Cookie(max_length=100)] = None
) -> Response:
    """End the session (idempotent)."""
    if vd_session:
        accounts_auth.logout(d, vd_session)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


def _me(who: Principal, chosen: preferences.Preferences) -> MeOut:
    return MeOut(
        name=who.name,
        roles=sorted(who.roles),
        unit=who.unit,
        scopes=sorted(who.scopes),
        timezone=chosen.timezone,
        language=chosen.language,
    )


@router.get("/me", response_model=MeOut)
def me(who: CurrentPrincipal, d: CurrentDeps) -> MeOut:
    return _me(who, account_admin.my_preferences(d, who))


@router.patch("/me", response_model=MeOut)
def update_me(body: MeIn, who: CurrentPrincipal, d: CurrentDeps) -> MeOut:
    """Change your own time zone and language (needs the write scope)."""
    chosen = account_admin.change_preferences(d, who, who.name, body.timezone, body.language)
    return _me(who, chosen)


def _mail(chosen: mail_prefs.MailChoices) -> MailOut:
    return MailOut(
        escalations=chosen.escalations, approvals=chosen.approvals, messages=chosen.messages
    )


@router.get("/me/mail", response_model=MailOut)
def my_mail(who: CurrentPrincipal, d: CurrentDeps) -> MailOut:
    """Which notifications are mailed to you."""
    return _mail(mail_prefs.my_choices(d, who))


@router.patch("/me/mail", response_model=MailOut)
def update_my_mail(body: MailIn, who: CurrentPrincipal, d: CurrentDeps) -> MailOut:
    """Turn mail for escalations, approvals waiting and reporters' messages on or off for
    yourself (needs the write scope); audited when it changes."""
    chosen = mail_prefs.change_my_choices(d, who, body.escalations, body.approvals, body.messages)
    return _mail(chosen)


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(body: TokenIn, who: CurrentPrincipal, d: CurrentDeps) -> TokenOut:
    """Issue an API token for yourself; needs a session (not a token) and a fresh TOTP code."""
    issued = account_admin.issue_token(d, who, frozenset(body.scopes), body.days, body.totp)
    return TokenOut(
        id=issued.id, token=issued.secret, scopes=sorted(body.scopes), expires_at=issued.expires_at
    )


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, who: CurrentPrincipal, d: CurrentDeps) -> Response:
    """Revoke one of your own tokens."""
    if not account_admin.revoke_my_token(d, who, token_id[:32]):
        raise NotFound("token", token_id[:32])
    return Response(status_code=204)

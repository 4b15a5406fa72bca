"""Account records: the people who sign in, their sessions and their scoped API tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in. `totp_secret` is plaintext here and encrypted at rest."""

    name: str
    display_name: str
    email: str
    unit: str | None
    roles: frozenset[str]
    created_at: dt.datetime
    password_hash: str | None = None
    totp_secret: str | None = None
    disabled: bool = False
    timezone: str | None = None
    language: str | None = None
    last_totp_step: int | None = None
    # Moves on every change to how the account proves who it is (password, TOTP, deactivation,
    # a grant that needs TOTP where none was needed): tokens of an older epoch are refused.
    credentials_epoch: int = 0
    # Whether deadline escalations on the user's cases are mailed to them (migration 0062).
    mail_escalations: bool = True
    # Whether an approval waiting for them, and a reporter's new message, on a case they own or
    # are a member of are mailed to them (migration 0067; decision 0043).
    mail_approvals: bool = True
    mail_messages: bool = True


@dataclass(frozen=True, slots=True)
class Session:
    """A browser or API session; only the SHA-256 of its secret is stored."""

    token_hash: str
    user: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    source: str


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A scoped, expiring bearer token; only the SHA-256 of its secret is stored."""

    id: str
    token_hash: str
    user: str
    scopes: frozenset[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    credentials_epoch: int = 0  # the account's epoch when the token was issued
    with_totp: bool = False  # whether a one-time code was checked when it was issued


@dataclass(frozen=True, slots=True)
class SsoLink:
    """An identity provider's subject (issuer, `sub`) bound to one account at first sign-in."""

    issuer: str
    subject: str
    user: str
    linked_at: dt.datetime

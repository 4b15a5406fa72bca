"""Ports and records for accounts: users, sessions, API tokens, password hashing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from vulndesk.domain.ids import CaseKey


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


class AccountRepository(Protocol):
    def add_user(self, user: User) -> None: ...
    def get_user(self, name: str) -> User: ...
    def find_user(self, name: str) -> User | None: ...
    def list_users(self) -> list[User]: ...
    def save_user(self, user: User) -> None: ...
    def claim_totp_step(self, name: str, step: int) -> bool: ...
    def add_session(self, session: Session) -> None: ...
    def session_with_user(self, token_hash: str) -> tuple[Session, User | None] | None: ...
    def touch_session(self, token_hash: str, at: dt.datetime) -> None: ...
    def delete_session(self, token_hash: str) -> None: ...
    def delete_sessions_of(self, user: str) -> None: ...
    def move_credentials_epoch(self, user: str) -> None: ...
    def add_token(self, token: ApiToken) -> None: ...
    def token_with_user(self, token_hash: str) -> tuple[ApiToken, User] | None: ...
    def tokens_of(self, user: str) -> list[ApiToken]: ...
    def revoke_token(self, token_id: str, user: str, at: dt.datetime) -> bool: ...
    def record_failure(self, key: str, at: dt.datetime) -> None: ...
    def failures_since(self, key: str, since: dt.datetime) -> int: ...
    def clear_failures(self, key: str) -> None: ...
    def member_cases(self, user: str) -> tuple[CaseKey, ...]: ...


class PasswordHasher(Protocol):
    """One-way password hashing (argon2id in production)."""

    def hash(self, password: str) -> str: ...
    def verify(self, stored: str, password: str) -> bool: ...
    def needs_rehash(self, stored: str) -> bool: ...

"""Use cases for accounts: add users, set passwords, enrol TOTP, grant roles, list users."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from enum import StrEnum

import pyotp

from vulndesk.domain import values
from vulndesk.domain.accounts import User
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import UnitId, slug
from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.context import Acts, Deps
from vulndesk.services.ports import UnitOfWork

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s<>\"'\r\n]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


class AccountRole(StrEnum):
    """What a user may do; case visibility follows from these and case membership."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    ANALYST = "analyst"
    APPROVER = "approver"
    HQ_OVERSIGHT = "hq-oversight"
    AUDITOR = "auditor"
    REPORTER = "reporter"
    # An outside participant of coordinated cases: only its portal (decision 0045).
    PARTICIPANT = "participant"

    @classmethod
    def parse(cls, field: str, value: str) -> AccountRole:
        try:
            return cls(value.strip().lower())
        except ValueError as exc:
            raise InvalidInput(
                field, f"{value!r} is not a role", ", ".join(r.value for r in cls)
            ) from exc


# Roles that can reach non-public case data: every grant path must demand a TOTP code.
CASE_DATA_ROLES = frozenset(
    {
        AccountRole.ADMIN,
        AccountRole.COORDINATOR,
        AccountRole.ANALYST,
        AccountRole.APPROVER,
        AccountRole.HQ_OVERSIGHT,
        AccountRole.PARTICIPANT,
    }
)


def needs_totp(user: User) -> bool:
    return bool(user.roles & CASE_DATA_ROLES) or user.totp_secret is not None


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD or len(password) > MAX_PASSWORD:
        raise InvalidInput(
            "password", "has the wrong length", f"{MIN_PASSWORD}-{MAX_PASSWORD} characters"
        )
    return password


def _roles(items: Sequence[str]) -> frozenset[str]:
    if not items:
        raise InvalidInput("roles", "at least one role is needed", ", ".join(AccountRole))
    return frozenset(AccountRole.parse("roles", r).value for r in items)


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise InvalidInput("email", f"{value!r} is not an e-mail address", "name@example.org")
    return value


def add_user(
    deps: Deps,
    actor: Acts,
    hasher: PasswordHasher,
    *,
    name: str,
    email: str,
    roles: Sequence[str],
    unit: str | None = None,
    display_name: str = "",
    password: str | None = None,
) -> tuple[User, str]:
    """Create a user; returns the user and the password (generated when none is given)."""
    now = deps.clock.now()
    secret = check_password(password) if password is not None else secrets.token_urlsafe(18)
    user = User(
        name=slug("name", name),
        display_name=values.text("display_name", display_name or name, max_len=200),
        email=_email(email),
        unit=slug("unit", unit) if unit else None,
        roles=_roles(roles),
        created_at=now,
        password_hash=hasher.hash(secret),
    )
    with deps.uow() as uow:
        if user.unit:
            uow.units.get(UnitId(user.unit))
        uow.accounts.add_user(user)
        uow.audit.append(
            actor.event(
                now, AuditTag.ACCOUNT_USER_ADDED, "user", user.name, roles=",".join(user.roles)
            )
        )
        uow.commit()
    return user, secret


def set_password(
    deps: Deps, actor: Acts, hasher: PasswordHasher, name: str, password: str | None = None
) -> str:
    """Replace a password and end the user's sessions and tokens; returns the new password."""
    now = deps.clock.now()
    secret = check_password(password) if password is not None else secrets.token_urlsafe(18)
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
        uow.accounts.save_user(_with(user, password_hash=hasher.hash(secret)))
        end_credentials(uow, name)
        uow.audit.append(actor.event(now, AuditTag.ACCOUNT_PASSWORD_SET, "user", name))
        uow.commit()
    return secret


def enroll_totp(deps: Deps, actor: Acts, name: str, issuer: str = "vulndesk") -> tuple[str, str]:
    """Give the user a new TOTP secret (sessions and tokens end); returns (secret, URI), once."""
    now = deps.clock.now()
    secret = pyotp.random_base32()
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
        uow.accounts.save_user(_with(user, totp_secret=secret))
        end_credentials(uow, name)
        uow.audit.append(actor.event(now, AuditTag.ACCOUNT_TOTP_ENROLLED, "user", name))
        uow.commit()
    return secret, pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=issuer)


def grant(
    deps: Deps,
    actor: Acts,
    name: str,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    disabled: bool | None = None,
) -> User:
    """Add or remove roles, or disable the account (its sessions end).

    Its tokens end too when the account is disabled, or when it now needs TOTP and did not
    before (its tokens were issued without a one-time code).
    """
    now = deps.clock.now()
    plus = frozenset(AccountRole.parse("role", r).value for r in add)
    minus = frozenset(AccountRole.parse("role", r).value for r in remove)
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
        roles = (user.roles | plus) - minus
        if not roles:
            raise InvalidInput("role", "a user needs at least one role", ", ".join(AccountRole))
        new = _with(user, roles=roles, disabled=user.disabled if disabled is None else disabled)
        uow.accounts.save_user(new)
        uow.accounts.delete_sessions_of(name)
        if (new.disabled and not user.disabled) or (needs_totp(new) and not needs_totp(user)):
            uow.accounts.move_credentials_epoch(name)
        uow.audit.append(
            actor.event(
                now, AuditTag.ACCOUNT_ROLES_CHANGED, "user", name, roles=",".join(sorted(roles))
            )
        )
        uow.commit()
    return new


def end_credentials(uow: UnitOfWork, name: str) -> None:
    """End every session and token of `name` (the proof of who they are has changed)."""
    uow.accounts.delete_sessions_of(name)
    uow.accounts.move_credentials_epoch(name)


def get_user(deps: Deps, name: str) -> User:
    """One account (NotFound if there is none)."""
    with deps.uow() as uow:
        return uow.accounts.get_user(name)


def list_users(deps: Deps) -> list[User]:
    with deps.uow() as uow:
        return uow.accounts.list_users()


def _with(user: User, **changes: object) -> User:
    from dataclasses import replace

    return replace(user, **changes)  # type: ignore[arg-type]

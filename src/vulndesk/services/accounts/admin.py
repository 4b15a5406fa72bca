"""Account use cases a signed-in person performs: administering users, their own settings and
their own API tokens; each checks the principal (the local operator's commands are in `users`).
"""

from __future__ import annotations

from collections.abc import Sequence

from vulndesk.domain.accounts import SsoLink, User
from vulndesk.domain.errors import Forbidden
from vulndesk.services.access.rights import ACCOUNT_HOLDERS, ADMINS, Principal
from vulndesk.services.accounts import preferences, signin, subjects, users
from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.context import Deps


def list_users(deps: Deps, principal: Principal) -> list[User]:
    """Every account (administrators)."""
    principal.require(ADMINS)
    return users.list_users(deps)


def list_subject_links(deps: Deps, principal: Principal) -> dict[str, list[SsoLink]]:
    """Every account's linked provider subjects (administrators)."""
    principal.require(ADMINS)
    return subjects.all_links(deps)


def add_user(
    deps: Deps,
    principal: Principal,
    hasher: PasswordHasher,
    *,
    name: str,
    email: str,
    roles: Sequence[str],
    unit: str | None = None,
    display_name: str = "",
) -> tuple[User, str]:
    """Create an account with a generated password, shown once (administrators)."""
    principal.require(ADMINS, "write")
    return users.add_user(
        deps,
        principal,
        hasher,
        name=name,
        email=email,
        roles=roles,
        unit=unit,
        display_name=display_name,
    )


def grant(
    deps: Deps,
    principal: Principal,
    name: str,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    disabled: bool | None = None,
) -> User:
    """Add or remove roles, or disable an account (administrators)."""
    principal.require(ADMINS, "write")
    return users.grant(deps, principal, name, add, remove, disabled)


def enroll_totp(
    deps: Deps, principal: Principal, name: str, issuer: str = "vulndesk"
) -> tuple[str, str]:
    """Give an account a new TOTP secret (administrators); its sessions and tokens end."""
    principal.require(ADMINS, "write")
    return users.enroll_totp(deps, principal, name, issuer)


def my_preferences(deps: Deps, principal: Principal) -> preferences.Preferences:
    """The signed-in person's own zone and language."""
    principal.require(ACCOUNT_HOLDERS)
    return preferences.preferences_of(deps, principal.name)


def change_preferences(
    deps: Deps,
    principal: Principal,
    name: str,
    timezone: str | None,
    language: str | None,
) -> preferences.Preferences:
    """Save a person's zone and language: their own, or anyone's for an administrator."""
    principal.require(ACCOUNT_HOLDERS, "write")
    if name != principal.name:
        principal.require(ADMINS, "write")
    return preferences.set_preferences(deps, principal, name, timezone, language)


def issue_token(
    deps: Deps,
    principal: Principal,
    scopes: frozenset[str],
    days: int,
    totp: str | None,
) -> signin.Issued:
    """Issue an API token for yourself, from a signed-in session (not from another token)."""
    principal.require(ACCOUNT_HOLDERS, "write")
    if not principal.credential.startswith("session:"):
        raise Forbidden("API tokens are issued from a signed-in session, not from another token")
    return signin.create_token(deps, principal, principal.name, scopes, days, totp)


def revoke_my_token(deps: Deps, principal: Principal, token_id: str) -> bool:
    """Revoke one of your own tokens; False when you hold no such live token."""
    principal.require(ACCOUNT_HOLDERS)
    return signin.revoke_token(deps, principal, principal.name, token_id)

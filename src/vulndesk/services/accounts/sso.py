"""OpenID Connect sign-in: roles from the provider's groups, accounts made at first sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn, Protocol

import pyotp

from vulndesk.domain.accounts import Session, SsoLink, User
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.accounts.signin import ABSOLUTE, AuthFailed, Issued, digest
from vulndesk.services.accounts.users import AccountRole, needs_totp
from vulndesk.services.context import Actor, Deps
from vulndesk.services.ports import UnitOfWork

# `amr` values (RFC 8176) that prove a second factor at the provider.
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm"})
# A pending sign-in (state, nonce, verifier) is good this long; an ID token no older.
PENDING = dt.timedelta(minutes=10)
# The organisation setting that holds the stored role map, in VULNDESK_OIDC_ROLE_MAP notation.
STORED_KEY = "sso.role_map"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


@dataclass(frozen=True, slots=True)
class RoleMapping:
    """One row of the role map: members of `group` get `role`, and `unit` when given."""

    group: str
    role: str
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class SsoPolicy:
    """How a provider's claims become a vulndesk account (from VULNDESK_OIDC_* settings)."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    groups_claim: str = "groups"
    role_map: tuple[RoleMapping, ...] = ()
    accept_provider_mfa: bool = False
    name: str = ""  # shown on the button: "Sign in with <name>"


def parse_role_map(field: str, text: str) -> tuple[RoleMapping, ...]:
    """`group=role[@unit]` items separated by `;` or `,`, e.g. `psirt=analyst@psirt-cn`."""
    rows: list[RoleMapping] = []
    for item in (part.strip() for part in re.split(r"[;,]", text)):
        if not item:
            continue
        group, sep, target = item.partition("=")
        role, _, unit = target.partition("@")
        if not sep or not group.strip() or not role.strip():
            raise InvalidInput(
                field, f"{item[:64]!r} is not group=role[@unit]", "e.g. psirt=analyst@psirt-cn"
            )
        parsed = AccountRole.parse(field, role).value
        if unit and not _NAME.match(unit.strip()):
            raise InvalidInput(field, f"{unit[:64]!r} is not a unit id", "e.g. psirt-cn")
        rows.append(RoleMapping(group.strip(), parsed, unit.strip() or None))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class Pending:
    """A sign-in sent to the provider: kept by the browser until the callback."""

    state: str
    nonce: str
    verifier: str
    next: str
    started_at: dt.datetime


class IdentityProvider(Protocol):
    """The provider's side: where to send the browser, and a code redeemed for checked claims."""

    def authorization_url(self, pending: Pending) -> str: ...

    def redeem(self, code: str, pending: Pending, now: dt.datetime) -> Mapping[str, Any]:
        """The ID token's claims, checked: signature, issuer, audience, expiry and nonce."""
        ...


def begin(deps: Deps, provider: IdentityProvider, next_path: str) -> tuple[Pending, str]:
    """A fresh state, nonce and PKCE verifier, and the provider URL to send the browser to."""
    pending = Pending(
        secrets.token_urlsafe(24),
        secrets.token_urlsafe(24),
        secrets.token_urlsafe(48),
        next_path,
        deps.clock.now(),
    )
    return pending, provider.authorization_url(pending)


def with_stored(uow: UnitOfWork, policy: SsoPolicy) -> SsoPolicy:
    """The policy with the rows administrators stored (`vulndesk sso map`) after the configured."""
    text = uow.org_settings.options().get(STORED_KEY, "")
    extra = tuple(row for row in parse_role_map(STORED_KEY, text) if row not in policy.role_map)
    return replace(policy, role_map=policy.role_map + extra)


def derive(policy: SsoPolicy, claims: Mapping[str, Any]) -> tuple[frozenset[str], str | None]:
    """Roles and unit from the groups claim; the first mapped unit in map order wins."""
    raw = claims.get(policy.groups_claim, [])
    groups = {raw} if isinstance(raw, str) else {g for g in raw if isinstance(g, str)}
    rows = [row for row in policy.role_map if row.group in groups]
    unit = next((row.unit for row in rows if row.unit), None)
    return frozenset(row.role for row in rows), unit


def account_name(claims: Mapping[str, Any]) -> str:
    """The account name: `preferred_username` when it is a valid name, else one made of `sub`."""
    wanted = str(claims.get("preferred_username", "")).strip().lower()
    if _NAME.match(wanted):
        return wanted
    return "sso-" + hashlib.sha256(str(claims.get("sub", "")).encode()).hexdigest()[:16]


def _provider_mfa(claims: Mapping[str, Any]) -> bool:
    amr = claims.get("amr", [])
    methods = {amr} if isinstance(amr, str) else {m for m in amr if isinstance(m, str)}
    return bool(methods & MFA_METHODS)


def _refuse(deps: Deps, source: str, who: str, reason: str) -> AuthFailed:
    """Record a refused sign-in and return the error to raise."""
    with deps.uow() as uow:
        uow.audit.append(
            Actor(who, source).event(
                deps.clock.now(),
                AuditTag.ACCOUNT_LOGIN_FAILED,
                "user",
                who,
                via="oidc",
                reason=reason,
            )
        )
        uow.commit()
    return AuthFailed("the identity provider's sign-in was not accepted")


class NameTaken(AuthFailed):
    """The provider's user name is an account of its own that no provider subject opens."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"the account name {name!r} is taken by an account not linked to this identity "
            "provider; an administrator links it (vulndesk user link-subject) or renames it"
        )


@dataclass(frozen=True, slots=True)
class SecondStep:
    """A provider sign-in that still owes vulndesk's one-time code (TOTP) before a session.

    `enrol` is a fresh TOTP secret when the account has none yet: shown once, stored only when
    a code made with it is accepted.
    """

    user: str
    started_at: dt.datetime
    enrol: str | None = field(default=None, repr=False)


def complete(
    deps: Deps,
    policy: SsoPolicy,
    provider: IdentityProvider,
    pending: Pending | None,
    returned: tuple[str, str],
    source: str,
) -> Issued | SecondStep:
    """Finish a sign-in: state checked, code redeemed, account made or updated, session issued.

    `returned` is the (state, code) of the callback. The provider's subject (issuer, `sub`)
    names the account: linked at the first sign-in, looked up at every later one, so a renamed
    or reused provider user name opens nothing. Roles are derived afresh each time, so a group
    removed at the provider removes the role now; an unmapped account has no role. When the
    account needs TOTP and the provider's MFA is not accepted, no session is issued yet: the
    answer is a `SecondStep` for `sso_totp.finish`.
    """
    now = deps.clock.now()
    claims, started = _redeemed(deps, provider, pending, returned, source)
    issuer, subject = str(claims.get("iss") or policy.issuer), str(claims.get("sub", ""))
    used = "oidc-nonce:" + digest(started.nonce)
    with deps.uow() as uow:
        link = uow.accounts.sso_link(issuer, subject) if subject else None
        name = link.user if link is not None else account_name(claims)
        roles, unit = derive(with_stored(uow, policy), claims)
        found = uow.accounts.find_user(name)
        user = _account(found, name, claims, roles, unit, now)
        reason = "no-subject" if not subject else _refusal(uow, found, user, used, now)
        if not reason and link is None and found is not None:
            reason = "name-taken"  # never linked silently: it may be someone else's account
        uow.accounts.record_failure(used, now)  # remembered: this ID token is spent
        if reason:
            _refuse_in(uow, Actor(name, source), now, reason)
        _keep_account(uow, Actor(name, source), found, user, now)
        if link is None:
            uow.accounts.add_sso_link(SsoLink(issuer, subject, name, now))
            uow.audit.append(
                Actor(name, source).event(
                    now, AuditTag.ACCOUNT_SUBJECT_LINKED, "user", name, issuer=issuer, via="oidc"
                )
            )
        if needs_totp(user) and not (policy.accept_provider_mfa and _provider_mfa(claims)):
            uow.commit()
            fresh = None if user.totp_secret is not None else pyotp.random_base32()
            return SecondStep(name, now, fresh)
        secret = _start_session(uow, Actor(name, source), now)
        uow.commit()
    return Issued(secret, user, now + ABSOLUTE)


def _refuse_in(uow: UnitOfWork, actor: Actor, now: dt.datetime, reason: str) -> NoReturn:
    """Audit and commit, in the sign-in's transaction, its refusal (its ID token stays
    spent), then refuse it."""
    name = actor.name
    uow.audit.append(
        actor.event(now, AuditTag.ACCOUNT_LOGIN_FAILED, "user", name, via="oidc", reason=reason)
    )
    uow.commit()
    if reason == "name-taken":
        raise NameTaken(name)
    raise AuthFailed("the identity provider's sign-in was not accepted")


def _start_session(uow: UnitOfWork, actor: Actor, now: dt.datetime) -> str:
    """A new session for the account, audited; its secret (only its digest is stored)."""
    secret = secrets.token_urlsafe(32)
    uow.accounts.add_session(Session(digest(secret), actor.name, now, now, actor.source))
    uow.audit.append(
        actor.event(now, AuditTag.ACCOUNT_SESSION_STARTED, "user", actor.name, via="oidc")
    )
    return secret


def _redeemed(
    deps: Deps,
    provider: IdentityProvider,
    pending: Pending | None,
    returned: tuple[str, str],
    source: str,
) -> tuple[Mapping[str, Any], Pending]:
    """The ID token's claims and the sign-in they finish, once the callback's state and code
    are checked and redeemed."""
    now = deps.clock.now()
    state, code = returned
    if pending is None or not state or not hmac.compare_digest(pending.state, state):
        raise _refuse(deps, source, "(oidc)", "state")
    if now - pending.started_at > PENDING or not code:
        raise _refuse(deps, source, "(oidc)", "expired")
    try:
        return provider.redeem(code, pending, now), pending
    except AuthFailed:
        raise _refuse(deps, source, "(oidc)", "id-token") from None


def _keep_account(
    uow: UnitOfWork, who: Actor, found: User | None, user: User, now: dt.datetime
) -> None:
    """Add the account at its first sign-in, or store roles and unit the provider changed
    (ending its sessions, so a removed group takes its role away now)."""
    roles = _listed(user.roles)
    if found is None:
        uow.accounts.add_user(user)
        uow.audit.append(
            who.event(now, AuditTag.ACCOUNT_USER_ADDED, "user", user.name, roles=roles, via="oidc")
        )
    elif (found.roles, found.unit) != (user.roles, user.unit):
        uow.accounts.save_user(user)
        uow.accounts.delete_sessions_of(user.name)
        uow.audit.append(
            who.event(
                now, AuditTag.ACCOUNT_ROLES_CHANGED, "user", user.name, roles=roles, via="oidc"
            )
        )


def _listed(roles: frozenset[str]) -> str:
    return ",".join(sorted(roles)) or "(none)"


def _refusal(
    uow: UnitOfWork,
    found: User | None,
    user: User,
    used: str,
    now: dt.datetime,
) -> str:
    """Why this sign-in is refused, or "" when it is not."""
    if uow.accounts.failures_since(used, now - 2 * PENDING):
        return "replayed"
    if user.disabled:
        return "disabled"
    if user.unit is not None and user.unit not in {u.id for u in uow.units.list()}:
        return "unknown-unit"
    return ""


def _account(
    found: User | None,
    name: str,
    claims: Mapping[str, Any],
    roles: frozenset[str],
    unit: str | None,
    now: dt.datetime,
) -> User:
    if found is not None:
        return replace(found, roles=roles, unit=unit)
    email = str(claims.get("email", "")) or f"{name}@invalid.invalid"
    shown = str(claims.get("name", "")) or name
    return User(name, shown[:200], email[:254], unit, roles, now)

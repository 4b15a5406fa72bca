"""Sign-in: password + TOTP login with throttling, sessions with idle and absolute expiry, tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace

import pyotp

from vulndesk.domain.accounts import ApiToken, Session, User
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Forbidden, InvalidInput, VulndeskError
from vulndesk.services.access.rights import Credential, Principal
from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.accounts.users import needs_totp
from vulndesk.services.context import Actor, Acts, Deps
from vulndesk.services.ports import UnitOfWork

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
WINDOW = dt.timedelta(minutes=15)
MAX_USER_FAILURES = 5  # per account from one source
MAX_SOURCE_FAILURES = 20  # per source, whatever the accounts
SCOPES = frozenset({"read", "write"})
MAX_TOKEN_DAYS = 366
# Verified against when the user does not exist, so both paths cost one argon2 verification.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$djmpFV/0v19rNzkbi65wIg$oYwqXqIRyLrQQRfnv3+/WWjPezH63M2tBXeWDQFOluw"


class AuthFailed(VulndeskError):
    """Credentials were not accepted; the message never says which part was wrong."""

    code = "unauthenticated"


class Throttled(VulndeskError):
    """Too many attempts from this source (failed sign-ins, wrong follow-up tokens, messages);
    retry after `retry_after` seconds."""

    code = "throttled"

    def __init__(self, retry_after: int, reason: str = "") -> None:
        self.retry_after = retry_after
        super().__init__(f"{reason or 'too many failed sign-ins'}; try again in {retry_after} s")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _address(source: str) -> str:
    """The client address of a sign-in's source (`api:203.0.113.5`, `web:::1`), so the API
    and the console share one count per address."""
    channel, sep, rest = source.partition(":")
    return rest if sep and channel in {"api", "web"} else source


def _totp_step(user: User, code: str | None, now: dt.datetime) -> int | None:
    """The time step `code` belongs to (±1 step of `now`) if no code of it or later was used.

    A code is good once: steps up to `user.last_totp_step` are refused, so a code seen on the
    wire or over a shoulder cannot be replayed within its window.
    """
    if user.totp_secret is None or not code:
        return None
    totp, given = pyotp.TOTP(user.totp_secret), str(code).strip().encode("utf-8", "replace")
    current = totp.timecode(now)
    used = -1 if user.last_totp_step is None else user.last_totp_step
    for step in (current - 1, current, current + 1):
        if step > used and hmac.compare_digest(totp.generate_otp(step).encode(), given):
            return step
    return None


def _totp_claimed(uow: UnitOfWork, user: User, code: str | None, now: dt.datetime) -> bool:
    """Whether `code` is fresh for `user`; its step is stored in the caller's transaction.

    The store is a guarded update, so of two concurrent sign-ins with one code only one wins.
    """
    step = _totp_step(user, code, now)
    return step is not None and uow.accounts.claim_totp_step(user.name, step)


def _check_credentials(
    uow: UnitOfWork,
    now: dt.datetime,
    hasher: PasswordHasher,
    credentials: tuple[str, str, str | None],
    source: str,
) -> User:
    """The user if name, password and (when required) a fresh TOTP match.

    On success nothing is committed: the caller commits the sign-in with the used TOTP step.
    Failures are recorded and committed before AuthFailed is raised.
    """
    raw_name, password, totp = credentials
    # A name no account can have (NUL, control characters, lone surrogates, too long) is
    # looked up as nobody and recorded escaped: the databases refuse such text outright.
    plausible = 0 < len(raw_name) <= 63 and raw_name.isprintable() and raw_name.isascii()
    name = raw_name if plausible else raw_name.encode("unicode_escape").decode("ascii")[:120]
    # Counted per source and per account from that source: a lock per account alone would
    # let anyone lock anyone out, while its owner signing in elsewhere must still succeed.
    address = _address(source)
    keys = (f"user:{name.lower()}@{address}", f"source:{address}")
    if (
        uow.accounts.failures_since(keys[0], now - WINDOW) >= MAX_USER_FAILURES
        or uow.accounts.failures_since(keys[1], now - WINDOW) >= MAX_SOURCE_FAILURES
    ):
        raise Throttled(int(WINDOW.total_seconds()))
    user = uow.accounts.find_user(name) if plausible else None
    password_ok = hasher.verify(
        user.password_hash if user and user.password_hash else _DUMMY_HASH, password
    )
    ok = user is not None and password_ok and not user.disabled
    if ok and user is not None and needs_totp(user) and not _totp_claimed(uow, user, totp, now):
        ok = False
    if not ok or user is None:
        for key in keys:
            uow.accounts.record_failure(key, now)
        # Only an existing account is named: a typed name may be anything (even a password).
        who = user.name if user is not None else UNKNOWN_ACCOUNT
        uow.audit.append(Actor(who, source).event(now, AuditTag.ACCOUNT_LOGIN_FAILED, "user", who))
        uow.commit()
        raise AuthFailed("name, password or one-time code not accepted")
    uow.accounts.clear_failures(keys[0])
    return user


# How the audit trail names a failed sign-in whose name is no account.
UNKNOWN_ACCOUNT = "(no such account)"


@dataclass(frozen=True, slots=True)
class Issued:
    """A new credential: the secret is shown once and only its digest is kept."""

    secret: str
    user: User
    expires_at: dt.datetime
    id: str = ""


def login(
    deps: Deps, hasher: PasswordHasher, name: str, password: str, totp: str | None, source: str
) -> Issued:
    now = deps.clock.now()
    secret = secrets.token_urlsafe(32)
    with deps.uow() as uow:
        user = _check_credentials(uow, now, hasher, (name, password, totp), source)
        uow.accounts.add_session(Session(digest(secret), user.name, now, now, source))
        uow.audit.append(
            Actor(user.name, source).event(now, AuditTag.ACCOUNT_SESSION_STARTED, "user", user.name)
        )
        uow.commit()
    return Issued(secret, user, now + ABSOLUTE)


def sign_in_token(
    deps: Deps,
    hasher: PasswordHasher,
    credentials: tuple[str, str, str | None],
    source: str,
    lifetime: dt.timedelta,
) -> Issued:
    """Sign in with name, password and TOTP like `login`, but receive a read+write API token.

    This is how a command line signs in: the token expires after `lifetime` (hours, not the
    days of `create_token`) and is revoked by `revoke_own_token`.
    """
    now = deps.clock.now()
    if not dt.timedelta(minutes=5) <= lifetime <= dt.timedelta(days=MAX_TOKEN_DAYS):
        raise InvalidInput("lifetime", f"{lifetime} is out of range", "5 minutes to 366 days")
    secret = "vdt_" + secrets.token_urlsafe(32)
    token_id = secrets.token_hex(8)
    with deps.uow() as uow:
        user = _check_credentials(uow, now, hasher, credentials, source)
        expires = now + lifetime
        token = ApiToken(token_id, digest(secret), user.name, SCOPES, now, expires)
        # Issued under the account's current credentials, with its one-time code checked
        # whenever the account needs one (`_check_credentials`): see `token_holds`.
        uow.accounts.add_token(
            replace(token, credentials_epoch=user.credentials_epoch, with_totp=needs_totp(user))
        )
        uow.audit.append(
            Actor(user.name, source).event(
                now,
                AuditTag.ACCOUNT_TOKEN_CREATED,
                "user",
                user.name,
                token=token_id,
                scopes="read,write",
            )
        )
        uow.commit()
    return Issued(secret, user, expires, token_id)


def revoke_own_token(deps: Deps, secret: str, source: str) -> bool:
    """Revoke the token `secret` names (signing out); False when it is unknown or already dead."""
    with deps.uow() as uow:
        found = uow.accounts.token_with_user(digest(secret))
    if found is None or found[0].revoked_at is not None:
        return False
    token, user = found
    return revoke_token(deps, Actor(user.name, source), user.name, token.id)


def _principal(user: User, scopes: frozenset[str], credential: str, kind: Credential) -> Principal:
    return Principal(user.name, user.roles, user.unit, scopes, credential, kind)


def session_principal(deps: Deps, secret: str) -> Principal | None:
    """The principal of a live session; expired sessions are deleted."""
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.accounts.session_with_user(digest(secret))
        if found is None:
            return None
        session, user = found
        expired = now - session.last_seen_at > IDLE or now - session.created_at > ABSOLUTE
        if expired or user is None or user.disabled:
            uow.accounts.delete_session(session.token_hash)
            uow.commit()
            return None
        uow.accounts.touch_session(session.token_hash, now)
        uow.commit()
    return _principal(user, SCOPES, f"session:{session.token_hash[:12]}", Credential.SESSION)


def token_holds(token: ApiToken, user: User, now: dt.datetime) -> bool:
    """Whether `token` is good for `user` now: live, and issued under the account's present proof.

    A token of an older credentials epoch was issued before a password, TOTP or deactivation
    change; one issued without a one-time code is no good once the account needs one.
    """
    return (
        token.revoked_at is None
        and token.expires_at > now
        and not user.disabled
        and token.credentials_epoch == user.credentials_epoch
        and (token.with_totp or not needs_totp(user))
    )


def token_principal(deps: Deps, secret: str) -> Principal | None:
    found = token_holder(deps, secret)
    return None if found is None else found[0]


def token_holder(deps: Deps, secret: str) -> tuple[Principal, dt.datetime] | None:
    """The principal of a live token and when the token expires; None for a dead one."""
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.accounts.token_with_user(digest(secret))
    if found is None:
        return None
    token, user = found
    if not token_holds(token, user, now):
        return None
    return _principal(user, token.scopes, f"token:{token.id}", Credential.TOKEN), token.expires_at


def logout(deps: Deps, secret: str) -> None:
    with deps.uow() as uow:
        uow.accounts.delete_session(digest(secret))
        uow.commit()


def create_token(
    deps: Deps, actor: Acts, name: str, scopes: frozenset[str], days: int, totp: str | None
) -> Issued:
    """Issue an API token for `name`; a TOTP code is required when the account needs one."""
    now = deps.clock.now()
    if not scopes or not scopes <= SCOPES:
        raise InvalidInput("scope", f"{sorted(scopes)} is not a scope set", "read, write")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput("days", f"{days} is out of range", f"1-{MAX_TOKEN_DAYS}")
    secret = "vdt_" + secrets.token_urlsafe(32)
    token_id = secrets.token_hex(8)
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
        if user.disabled:
            raise Forbidden("the account is disabled")
        with_totp = needs_totp(user)
        if with_totp and user.totp_secret is None:
            raise Forbidden(
                "this account's roles need a one-time code (TOTP): enrol a device first "
                "(vulndesk user totp-enroll)"
            )
        if with_totp and not _totp_claimed(uow, user, totp, now):
            raise Forbidden(
                "a valid one-time code (TOTP) from the account's enrolled device is required"
            )
        expires = now + dt.timedelta(days=days)
        token = ApiToken(token_id, digest(secret), name, scopes, now, expires)
        uow.accounts.add_token(
            replace(token, credentials_epoch=user.credentials_epoch, with_totp=with_totp)
        )
        uow.audit.append(
            actor.event(
                now,
                AuditTag.ACCOUNT_TOKEN_CREATED,
                "user",
                name,
                token=token_id,
                scopes=",".join(sorted(scopes)),
            )
        )
        uow.commit()
    return Issued(secret, user, expires, token_id)


def revoke_token(deps: Deps, actor: Acts, name: str, token_id: str) -> bool:
    now = deps.clock.now()
    with deps.uow() as uow:
        done = uow.accounts.revoke_token(token_id, name, now)
        if done:
            uow.audit.append(
                actor.event(now, AuditTag.ACCOUNT_TOKEN_REVOKED, "user", name, token=token_id)
            )
        uow.commit()
    return done

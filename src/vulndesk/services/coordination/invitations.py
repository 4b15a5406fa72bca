"""Use cases: invite a person of a participant to sign in with an account of their own, and
join through the one-time link (password and TOTP), decision 0045.

The desk invites one of the participant's listed people by e-mail. The account holds only the
`participant` role and is bound to (case, participant); the link's token is returned once to
the inviter and mailed by the worker (the token is sealed until then; only its SHA-256 finds
it). An unknown, expired or used link is one and the same 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

import pyotp

from vulndesk.domain import values
from vulndesk.domain.accounts import Session, User
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.coordination import Binding, Contact, Invitation, Participant
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey, parse_case_key
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_WRITERS, Principal
from vulndesk.services.accounts import signin
from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.accounts.users import AccountRole, check_password, end_credentials
from vulndesk.services.background.ports import OutboxMessage
from vulndesk.services.context import Actor, Acts, Deps
from vulndesk.services.coordination import sharing
from vulndesk.services.notify.ports import NoticeSender, OutgoingMail
from vulndesk.services.ports import UnitOfWork

LIFETIME = dt.timedelta(days=7)
INVITATION = "coord.invitation"
PARTICIPANT_ROLES = frozenset({AccountRole.PARTICIPANT})
Handler = Callable[[UnitOfWork, OutboxMessage, dt.datetime, Acts], str | None]
_NAME_PART = re.compile(r"[^a-z0-9]+")


def subject(case: str) -> str:
    """`[vulndesk] VD-2026-0001 invitation`: the case key and a fixed label."""
    return f"[vulndesk] {parse_case_key(case)} invitation"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/join/{token}"


@dataclass(frozen=True, slots=True)
class Invited:
    """An invitation made: the token is shown once (to the inviter) and mailed once."""

    user: str
    email: str
    case: str
    participant: int
    party: str
    token: str
    expires_at: dt.datetime
    account_created: bool


def _derived_name(uow: UnitOfWork, email: str, party: str) -> str:
    local = _NAME_PART.sub("-", email.split("@", 1)[0].lower()).strip("-") or "participant"
    base = f"{local[:40]}-{_NAME_PART.sub('-', party.lower()).strip('-')[:16]}".strip("-")
    name, n = base, 1
    while uow.accounts.find_user(name) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def _account(
    uow: UnitOfWork, email: str, display: str, party: str, name: str | None, now: dt.datetime
) -> tuple[User, bool]:
    """The participant account of `email`, made when there is none; never an internal one."""
    same = [u for u in uow.accounts.list_users() if u.email.lower() == email.lower()]
    for u in same:
        if u.roles != {AccountRole.PARTICIPANT.value}:
            raise InvalidInput(
                "email",
                f"{email} belongs to an internal account ({u.name})",
                "an outside person's address; internal people work on the case directly",
            )
    if same:
        found = same[0]
        if name and name.strip() != found.name:
            raise InvalidInput(
                "name", f"{email} already signs in as {found.name}", f"{found.name} or no name"
            )
        return found, False
    chosen = values.text("name", name, max_len=63) if name else _derived_name(uow, email, party)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", chosen):
        raise InvalidInput(
            "name", f"{chosen!r} is not a valid name", "lowercase letters, digits, -"
        )
    if uow.accounts.find_user(chosen) is not None:
        raise InvalidInput("name", f"{chosen} is taken by another account", "another name")
    user = User(
        name=chosen,
        display_name=values.text("name", display, max_len=200),
        email=email,
        unit=None,
        roles=frozenset({AccountRole.PARTICIPANT.value}),
        created_at=now,
    )
    uow.accounts.add_user(user)
    return user, True


def _person(p: Participant, address: str, key: CaseKey) -> Contact:
    """The person of participant `p` with mail address `address`."""
    person = next((c for c in p.people if c.address.lower() == address.lower()), None)
    if person is None:
        raise InvalidInput(
            "email",
            f"{address} is not one of participant {p.id}'s people",
            f"an address from vulndesk coord participants list {key}",
        )
    return person


def invite_person(
    deps: Deps,
    principal: Principal,
    case: str,
    participant: int,
    email: str,
    name: str | None = None,
) -> Invited:
    """Give one of the participant's people an account (or reuse theirs), bind it to the
    participant and make a one-time link, mailed by the worker; the token is returned once."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    address = values.email("email", email)
    now = deps.clock.now()
    token = secrets.token_urlsafe(32)
    with deps.uow() as uow:
        p = sharing.participant_of(uow, key, participant)
        person = _person(p, address, key)
        party = uow.parties.get(p.party)
        user, created = _account(uow, person.address, person.name, str(p.party), name, now)
        if user.disabled:
            raise InvalidInput("email", f"the account {user.name} is disabled", "enable it first")
        uow.coordination.bind_account(Binding(user.name, key, p.id, now, principal.name))
        made = uow.coordination.add_invitation(
            Invitation(0, user.name, key, p.id, principal.name, now, now + LIFETIME, None),
            digest(token),
            token,
        )
        uow.outbox.enqueue(
            INVITATION, f"{INVITATION}/{made.id}", {"invitation": made.id, "case": key}, now
        )
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_ACCOUNT_INVITED,
                "case",
                key,
                (),
                participant=str(p.id),
                user=user.name,
                invitation=str(made.id),
                account="created" if created else "existing",
            )
        )
        uow.commit()
    return Invited(user.name, user.email, key, p.id, party.name, token, made.expires_at, created)


@dataclass(frozen=True, slots=True)
class JoinInfo:
    """What the join page shows: the case, the party and the account."""

    case: str
    party: str
    user: str
    expires_at: dt.datetime


def _usable(uow: UnitOfWork, token: str, now: dt.datetime) -> Invitation:
    found = (
        uow.coordination.invitation_by_token(digest(token))
        if 0 < len(token) <= 200 and token.isascii() and token.isprintable()
        else None
    )
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise NotFound("invitation", "this link")
    return found


def join_info(deps: Deps, token: str) -> JoinInfo:
    """NotFound (the same for unknown, expired and used links) or what the page shows."""
    now = deps.clock.now()
    with deps.uow() as uow:
        inv = _usable(uow, token, now)
        p = uow.coordination.participant(inv.case, inv.participant)
        return JoinInfo(inv.case, uow.parties.get(p.party).name, inv.user, inv.expires_at)


def new_secret(user: str, issuer: str = "vulndesk") -> tuple[str, str]:
    """A fresh TOTP secret and its otpauth URI, for the join page."""
    secret = pyotp.random_base32()
    return secret, pyotp.TOTP(secret).provisioning_uri(name=user, issuer_name=issuer)


def _credentials(
    password: str, password_again: str, totp_secret: str, code: str, now: dt.datetime
) -> tuple[str, int]:
    """The checked password and TOTP secret: the secret and the time step its code matched."""
    check_password(password)
    if password != password_again:
        raise InvalidInput("password_again", "does not match the password", "the same password")
    secret = totp_secret.strip().upper()
    if not re.fullmatch(r"[A-Z2-7]{16,64}", secret):
        raise InvalidInput("totp_secret", "is not a TOTP secret", "the secret the page showed")
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    given = code.strip()
    matched = next((s for s in (step - 1, step, step + 1) if totp.generate_otp(s) == given), None)
    if matched is None:
        raise InvalidInput("code", "is not the current code", "the 6 digits your app shows now")
    return secret, matched


def _audit_joined(uow: UnitOfWork, who: Actor, now: dt.datetime, inv: Invitation) -> None:
    """The join, the password, the TOTP enrolment and the session, in that order."""
    uow.audit.append(
        who.event(
            now,
            AuditTag.CASE_COORD_ACCOUNT_JOINED,
            "case",
            inv.case,
            (),
            participant=str(inv.participant),
            invitation=str(inv.id),
        )
    )
    uow.audit.append(who.event(now, AuditTag.ACCOUNT_PASSWORD_SET, "user", who.name))
    uow.audit.append(who.event(now, AuditTag.ACCOUNT_TOTP_ENROLLED, "user", who.name))
    uow.audit.append(who.event(now, AuditTag.ACCOUNT_SESSION_STARTED, "user", who.name))


def join(
    deps: Deps,
    hasher: PasswordHasher,
    token: str,
    password: str,
    password_again: str,
    totp_secret: str,
    code: str,
    source: str,
) -> signin.Issued:
    """Set the password and TOTP through the one-time link, use it and start a session."""
    now = deps.clock.now()
    secret, matched = _credentials(password, password_again, totp_secret, code, now)
    session_secret = secrets.token_urlsafe(32)
    with deps.uow() as uow:
        inv = _usable(uow, token, now)
        user = uow.accounts.get_user(inv.user)
        if user.disabled or user.roles != {AccountRole.PARTICIPANT.value}:
            raise NotFound("invitation", "this link")
        if not uow.coordination.use_invitation(inv.id, now):
            raise NotFound("invitation", "this link")
        saved = replace(
            user, password_hash=hasher.hash(password), totp_secret=secret, last_totp_step=matched
        )
        uow.accounts.save_user(saved)
        end_credentials(uow, user.name)
        uow.accounts.add_session(
            Session(signin.digest(session_secret), user.name, now, now, source)
        )
        _audit_joined(uow, Actor(user.name, source, saved.roles), now, inv)
        uow.commit()
    return signin.Issued(session_secret, saved, now + signin.ABSOLUTE)


def text(case: str, party: str, url: str, expires: dt.datetime) -> str:
    """English and Chinese: the case key, the party, the link and when it expires."""
    key = parse_case_key(case)
    until = expires.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"You are invited to take part, for {party}, in the coordinated disclosure of {key}.\n"
        f"您受邀代表 {party} 参与案件 {key} 的协调披露。\n\n"
        f"Set your password and one-time codes here / 请在此设置密码和一次性验证码:\n{url}\n\n"
        f"The link works once, until {until}. / 该链接仅可使用一次，有效期至 {until}。\n"
    )


def _skip_reason(
    inv: Invitation | None, token: str | None, user: User | None, now: dt.datetime
) -> str | None:
    """Why the invitation is not mailed; None when it still waits for its mail."""
    if inv is None:
        return "replaced by a newer invitation"
    if inv.used_at is not None or token is None:
        return "already used"
    if inv.expires_at <= now:
        return "expired"
    if user is None or user.disabled or not user.email:
        return "the account is gone or disabled"
    return None


def deliver(
    sender: NoticeSender,
    public_url: str,
    uow: UnitOfWork,
    msg: OutboxMessage,
    now: dt.datetime,
    actor: Acts,
) -> None:
    """Mail the link if the invitation still waits; the sealed token is then forgotten."""
    inv_id = int(msg.payload["invitation"])
    inv = uow.coordination.invitation(inv_id)
    token = uow.coordination.invitation_token(inv_id) if inv is not None else None
    user = uow.accounts.find_user(inv.user) if inv is not None else None
    why = _skip_reason(inv, token, user, now)
    case = str(msg.payload.get("case", inv.case if inv else ""))
    if why is not None or inv is None or token is None or user is None:
        uow.audit.append(
            actor.event(
                now,
                AuditTag.WORKER_COORD_INVITATION_SKIPPED,
                "case",
                case,
                invitation=str(inv_id),
                reason=why or "",
            )
        )
        return
    party = uow.parties.get(uow.coordination.participant(inv.case, inv.participant).party)
    body = text(inv.case, party.name, link(public_url, token), inv.expires_at)
    sender.mail(
        OutgoingMail(
            user.email, inv.case, INVITATION, user.language or "en", body,
            f"<pre>{html.escape(body)}</pre>", msg.dedupe_key,
        )
    )  # fmt: skip
    uow.coordination.forget_invitation_token(inv_id)
    uow.audit.append(
        actor.event(
            now,
            AuditTag.WORKER_COORD_INVITATION_MAILED,
            "case",
            inv.case,
            invitation=str(inv_id),
            recipient=user.name,
        )
    )


def handlers(sender: Callable[[], NoticeSender], public_url: str) -> dict[str, Handler]:
    def send(uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts) -> None:
        deliver(sender(), public_url, uow, msg, now, actor)

    return {INVITATION: send}


def bound(uow: UnitOfWork, principal: Principal, key: CaseKey) -> Binding:
    """The principal's binding to a case; the missing case's NotFound for anyone else."""
    if principal.is_system or AccountRole.PARTICIPANT.value not in principal.roles:
        raise NotFound("case", key)
    found = uow.coordination.binding(principal.name, key)
    if found is None:
        raise NotFound("case", key)
    return found

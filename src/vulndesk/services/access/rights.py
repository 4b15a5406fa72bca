"""Need-to-know: who may see and change which case, and the filters that enforce it in lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.audit_tags import AuditTag, member_tag
from vulndesk.domain.cases import CaseState
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import Forbidden, InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey, UnitId, UserId, parse_case_key
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.context import Actor, Deps
from vulndesk.services.ports import CaseFilter, DueFilter, UnitOfWork

ALL_CASES = frozenset({AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.HQ_OVERSIGHT})
MEMBER_CASES = frozenset({AccountRole.ANALYST, AccountRole.APPROVER})
# Roles that may see case content at all: every case, or the cases they are members of.
CASE_READERS = ALL_CASES | MEMBER_CASES
CASE_WRITERS = frozenset(
    {AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.ANALYST, AccountRole.APPROVER}
)
CASE_OPENERS = frozenset({AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.ANALYST})
MEMBER_MANAGERS = frozenset({AccountRole.ADMIN, AccountRole.COORDINATOR})
REFERENCE_READERS = frozenset(
    {
        AccountRole.ADMIN,
        AccountRole.COORDINATOR,
        AccountRole.ANALYST,
        AccountRole.APPROVER,
        AccountRole.HQ_OVERSIGHT,
    }
)
REFERENCE_WRITERS = frozenset({AccountRole.ADMIN, AccountRole.COORDINATOR})
# The role sets of every channel (API, console, CLI) live here, so each grants the same.
ACCOUNT_HOLDERS = frozenset(AccountRole)
ADMINS = frozenset({AccountRole.ADMIN})
AUDIT_READERS = frozenset({AccountRole.ADMIN, AccountRole.AUDITOR})
WAIVERS = MEMBER_MANAGERS
# Marking an open obligation not applicable when closing a case lifts it, as a waiver does.
NOT_APPLICABLE_MARKERS = WAIVERS
DRAFTERS = frozenset({AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.ANALYST})
APPROVERS = frozenset({AccountRole.ADMIN, AccountRole.APPROVER})
DECIDERS = APPROVERS
BLACKOUT_KEEPERS = ADMINS
LEDGER_ALL = frozenset({AccountRole.ADMIN, AccountRole.AUDITOR, AccountRole.HQ_OVERSIGHT})
LEDGER_READERS = LEDGER_ALL | CASE_READERS
OVERSIGHT = frozenset({AccountRole.ADMIN, AccountRole.HQ_OVERSIGHT})
# The exposure view and board report: headquarters, auditors and admins (no case content).
EXPOSURE_READERS = OVERSIGHT | AUDIT_READERS
ADVISORY_WRITERS = DRAFTERS
# Publishing an approved advisory: an approver, or whoever coordinates the case.
ADVISORY_PUBLISHERS = frozenset({AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.APPROVER})


# Closed and duplicate cases ask nothing more of anyone: no due list shows their clocks.
FINISHED = (CaseState.CLOSED, CaseState.DUPLICATE)


class Credential(StrEnum):
    """How a principal authenticated."""

    SESSION = "session"  # a console or API session cookie (password + TOTP)
    TOKEN = "token"  # an API token  # noqa: S105 - a kind, not a secret
    CLI_LOGIN = "cli-login"  # the token stored by `vulndesk login`
    SYSTEM = "system"  # no person: the worker, public intake, operator commands


HUMAN_SCOPES = frozenset({"read", "write"})


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: roles from the account, scopes from the credential, and how
    and where from it authenticated. Every use case a person performs takes one and checks it.
    """

    name: str
    roles: frozenset[str]
    unit: str | None
    scopes: frozenset[str]
    credential: str  # "session:<hash prefix>" or "token:<id>", for the audit trail
    kind: Credential = Credential.TOKEN
    source: str = ""  # the channel as the audit trail records it: "api:<host>", "web:<host>", "cli"

    @property
    def is_system(self) -> bool:
        return self.kind is Credential.SYSTEM

    def actor(self, source: str) -> Actor:
        return Actor(self.name, source, self.roles, self.unit, self.credential)

    def acting(self) -> Actor:
        """The audit trail's actor for this principal at its own source."""
        return self.actor(self.source or self.kind.value)

    def event(
        self,
        at: dt.datetime,
        tag: AuditTag,
        object_type: str,
        object_id: str,
        fields: tuple[str, ...] = (),
        **detail: str,
    ) -> AuditEvent:
        """An audit event by this principal at its own source (as `Actor.event`)."""
        return self.acting().event(at, tag, object_type, object_id, fields, **detail)

    def via(self, source: str, kind: Credential | None = None) -> Principal:
        """The same principal calling from `source` (and authenticated as `kind`)."""
        return replace(self, source=source, kind=self.kind if kind is None else kind)

    def has(self, roles: frozenset[AccountRole]) -> bool:
        return not self.is_system and bool(self.roles & roles)

    def require(self, roles: frozenset[AccountRole], scope: str = "read") -> None:
        """Object-independent permission check; never used to hide a case (that is a 404)."""
        if self.is_system:
            raise Forbidden("this is a person's act; a system principal may not perform it")
        if scope not in self.scopes:
            raise Forbidden(f"this credential lacks the {scope!r} scope")
        if not self.has(roles):
            raise Forbidden("your roles do not allow this")


def system(name: str, source: str) -> Principal:
    """A principal for work no person does (the worker, public intake, an operator command):
    no roles, no scopes, refused by every use case a person performs."""
    return Principal(
        name, frozenset(), None, frozenset(), f"system:{name}", Credential.SYSTEM, source
    )


def worker_principal(name: str) -> Principal:
    return system(name, "worker")


INTAKE = system("intake", "intake")


def operator_principal(name: str) -> Principal:
    return system(f"operator:{name}", "cli")


def person(
    name: str,
    roles: frozenset[str] | set[str] | tuple[str, ...],
    unit: str | None = None,
    source: str = "test",
    kind: Credential = Credential.TOKEN,
) -> Principal:
    """A person's principal with read and write scope (tests, the demo loader, benches)."""
    return Principal(
        name, frozenset(roles), unit, HUMAN_SCOPES, f"{kind.value}:{name}", kind, source
    )


def visible_cases(uow: UnitOfWork, p: Principal) -> tuple[CaseKey, ...] | None:
    """None means every case; otherwise the keys of the principal's member cases."""
    if p.has(ALL_CASES):
        return None
    if p.has(MEMBER_CASES):
        return uow.accounts.member_cases(p.name)
    return ()


def check_case(deps: Deps, p: Principal, key: str) -> CaseKey:
    """The case key if the principal may see the case; a missing case's 404 otherwise."""
    case_key = parse_case_key(key)
    if not p.has(CASE_READERS):
        raise NotFound("case", case_key)
    with deps.uow() as uow:
        keys = visible_cases(uow, p)
        if keys is not None and case_key not in keys:
            raise NotFound("case", case_key)
        if keys is None and not uow.cases.count(CaseFilter(keys=(case_key,), limit=1)):
            raise NotFound("case", case_key)
    return case_key


def case_filter(deps: Deps, p: Principal, flt: CaseFilter) -> CaseFilter:
    """Narrow a list filter to the cases the principal may see."""
    with deps.uow() as uow:
        keys = visible_cases(uow, p)
    if keys is None:
        return flt
    allowed = keys if flt.keys is None else tuple(k for k in flt.keys if k in keys)
    # Every other field is kept: the text and severity filters too, not only the first seven.
    return replace(flt, keys=allowed)


def due_soon(
    deps: Deps, principal: Principal, within: dt.timedelta, unit: UnitId | None, limit: int
) -> list[CaseObligation]:
    """Open and overdue deadlines in the principal's visible cases, soonest first."""
    principal.require(CASE_READERS)
    p = principal
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", f"{limit} is out of range", "1-1000")
    until = deps.clock.now() + within
    with deps.uow() as uow:
        keys = visible_cases(uow, p)
        flt = DueFilter(until=until, unit=unit, cases=keys, limit=limit, skip_states=FINISHED)
        return uow.obligations.due(flt)


def set_member(
    deps: Deps, principal: Principal, key: str, user: str, present: bool
) -> tuple[str, ...]:
    """Add or remove a case member (a coordinator's or administrator's act on a case they
    see); returns the members afterwards."""
    key = check_case(deps, principal, key)
    principal.require(MEMBER_MANAGERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        if present and uow.accounts.find_user(user) is None:
            raise InvalidInput("user", f"{user[:63]!r} is not a user", "an existing user name")
        case = uow.cases.get(key)
        members = [m for m in case.members if m != user]
        if present:
            members.append(UserId(user))
        saved = uow.cases.save(replace(case, members=tuple(members)), now)
        action = "added" if present else "removed"
        uow.audit.append(actor.event(now, member_tag(action), "case", key, (), user=user))
        uow.commit()
    return tuple(saved.members)


def case_obligations(deps: Deps, principal: Principal, key: str) -> list[CaseObligation]:
    """The clocks of a case the principal may see."""
    key = check_case(deps, principal, key)
    with deps.uow() as uow:
        uow.cases.get(key)
        return uow.obligations.for_case(key)


def case_members(deps: Deps, principal: Principal, key: str) -> tuple[str, ...]:
    """The members of a case the principal may see."""
    key = check_case(deps, principal, key)
    with deps.uow() as uow:
        return tuple(uow.cases.get(key).members)

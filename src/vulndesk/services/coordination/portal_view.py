"""What the participant portal shows (decision 0045): an outside participant, signed in with
its own account, sees only its cases' shared views (redacted by its disclosure policy), the
shared thread and its own private thread, and exports the shared view. Every read is audited.

`enter` is every portal use case's first check: any principal not bound to the case (a
participant of another case, an internal account, a missing case) gets the same NotFound as a
missing case. The portal's acts are in `portal`, which also re-exports what is here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.coordination import (
    StatusStatement,
)
from vulndesk.domain.embargo import EmbargoState, fold
from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import parse_case_key
from vulndesk.domain.threads import MessageFile
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.context import Deps
from vulndesk.services.coordination import participants as participants_service
from vulndesk.services.coordination import sharing, watermark
from vulndesk.services.coordination import statuses as statuses_service
from vulndesk.services.coordination.invitations import PARTICIPANT_ROLES, bound
from vulndesk.services.coordination.participants import SharedView
from vulndesk.services.ports import UnitOfWork

SHARED, PRIVATE = "shared", "private"
THREADS = (SHARED, PRIVATE)
CASE_TEAM = "case team"


@dataclass(frozen=True, slots=True)
class MyCase:
    case: str
    title: str
    participant: int
    party: str


@dataclass(frozen=True, slots=True)
class ShownMessage:
    """A thread message as a participant sees it: who is a party name or the case team."""

    id: int
    at: dt.datetime
    who: str
    body: str
    mine: bool
    files: tuple[MessageFile, ...] = ()


@dataclass(frozen=True, slots=True)
class PortalEmbargo:
    state: str
    in_zone: str | None  # the end (or the proposed end) in the embargo's zone
    in_my_zone: str | None  # and in the account's own zone
    my_zone: str
    proposed: bool
    my_answer: str | None  # accepted, declined or None


@dataclass(frozen=True, slots=True)
class PortalView:
    """Everything a participant's page shows of one case."""

    view: SharedView
    account: str
    party: str
    at: dt.datetime
    embargo: PortalEmbargo
    shared: tuple[ShownMessage, ...]
    private: tuple[ShownMessage, ...]
    products: tuple[str, ...]
    mine: tuple[StatusStatement, ...]
    # Messages of the shared and of the private thread this account had not read before this
    # view (its unread markers, decision 0046); the view marks both threads read.
    unread_shared: int = 0
    unread_private: int = 0
    # The name of each party of the case, by its id, so a page shows names beside statuses.
    party_names: Mapping[str, str] = field(default_factory=dict)

    def party_name(self, party: str) -> str:
        return self.party_names.get(party, party)

    @property
    def shared_with(self) -> str:
        return shared_with(self.account, self.party, self.at)


def shared_with(account: str, party: str, at: dt.datetime) -> str:
    """The visible line on every portal page and export."""
    return f"Shared with {account} ({party}) on {at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def require_participant(principal: Principal, scope: str = "read") -> None:
    principal.require(PARTICIPANT_ROLES, scope)


def enter(principal: Principal, scope: str = "read") -> None:
    """Checked first, before any argument or the clock: anyone but a participant's account gets
    a not-found answer that is the same for every case, existing or not."""
    if not principal.has(PARTICIPANT_ROLES):
        raise NotFound("case", "shared")
    require_participant(principal, scope)


def my_cases(deps: Deps, principal: Principal) -> list[MyCase]:
    """The cases the participant's account takes part in (the read is audited)."""
    require_participant(principal)
    now = deps.clock.now()
    with deps.uow() as uow:
        out = []
        for b in uow.coordination.bindings_of(principal.name):
            case = uow.cases.get(parse_case_key(b.case))
            p = uow.coordination.participant(b.case, b.participant)
            out.append(MyCase(b.case, case.title, p.id, uow.parties.get(p.party).name))
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_PORTAL_READ,
                "user",
                principal.name,
                (),
                what="cases",
                count=str(len(out)),
            )
        )
        uow.commit()
    return out


def _who(uow: UnitOfWork, case: str) -> dict[str, str]:
    """Authors as a participant sees them: each bound account's party name."""
    names: dict[str, str] = {}
    for b in uow.coordination.bindings(case):
        p = uow.coordination.participant(case, b.participant)
        names[b.user] = uow.parties.get(p.party).name
    return names


def _shown(uow: UnitOfWork, case: str, thread: int | None, me: str) -> tuple[ShownMessage, ...]:
    who = _who(uow, case)
    return tuple(
        ShownMessage(m.id, m.at, who.get(m.author, CASE_TEAM), m.body, m.author == me, m.files)
        for m in uow.coordination.messages(case, thread, 200)
    )


def embargo_of(uow: UnitOfWork, case: str, participant: int, zone: str) -> PortalEmbargo:
    e = fold(uow.coordination.embargo_events(case))
    both = e.shown(zone)
    answer = None
    if participant in e.accepted_by:
        answer = "accepted"
    elif participant in e.declined_by:
        answer = "declined"
    return PortalEmbargo(
        e.state.value,
        both[0] if both else None,
        both[1] if both else None,
        zone,
        (e.end is None and e.pending_end is not None) or e.state is EmbargoState.REVISE,
        answer,
    )


def _portal_view(deps: Deps, uow: UnitOfWork, principal: Principal, key: str) -> PortalView:
    case_key = parse_case_key(key)
    b = bound(uow, principal, case_key)
    require_participant(principal)
    view = participants_service.view_in(deps, uow, case_key, b.participant)
    p = uow.coordination.participant(case_key, b.participant)
    user = uow.accounts.get_user(principal.name)
    zone = user.timezone or "UTC"
    mine = tuple(s for s in uow.coordination.statements(case_key) if s.participant == b.participant)
    unread = uow.coordination.unread(principal.name, case_key)
    names = {
        str(x.party): uow.parties.get(x.party).name for x in uow.coordination.participants(case_key)
    }
    return PortalView(
        view,
        principal.name,
        uow.parties.get(p.party).name,
        deps.clock.now(),
        embargo_of(uow, case_key, b.participant, zone),
        _shown(uow, case_key, None, principal.name),
        _shown(uow, case_key, b.participant, principal.name),
        tuple(statuses_service.case_products(uow, case_key)),
        mine,
        unread.get(None, 0),
        unread.get(b.participant, 0),
        names,
    )


def _mark_read(uow: UnitOfWork, account: str, shown: PortalView) -> None:
    """The account has now seen both of its threads up to their newest message shown."""
    case = shown.view.case
    for thread, messages in ((None, shown.shared), (shown.view.participant, shown.private)):
        if messages:
            newest = messages[-1]
            uow.coordination.mark_read(account, case, thread, newest.id, newest.at)


def case_view(deps: Deps, principal: Principal, case: str, what: str = "page") -> PortalView:
    """The case as the participant sees it; the read is audited (`what`: page or api)."""
    enter(principal)
    now = deps.clock.now()
    with deps.uow() as uow:
        shown = _portal_view(deps, uow, principal, case)
        _mark_read(uow, principal.name, shown)
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_PORTAL_READ,
                "case",
                shown.view.case,
                tuple(sorted(shown.view.fields)),
                participant=str(shown.view.participant),
                what=what,
            )
        )
        uow.commit()
    return shown


def export_document(view: PortalView) -> str:
    """The participant's export of the shared view: one plain-text document, headed and
    closed by the line naming whom it was shared with and when."""
    v = view.view
    lines = [view.shared_with, "", f"{v.case}: {v.title}", f"Participant: {view.party}", ""]
    lines += [f"{name}: {value}" for name, value in sorted(v.fields.items())]
    if v.withheld:
        lines.append(f"withheld by your disclosure policy: {', '.join(v.withheld)}")
    lines.append("")
    for party, product, status in v.statuses:
        lines.append(f"status {view.party_name(party)} ({party}) {product}: {status}")
    e = view.embargo
    lines.append(f"embargo: {e.state}")
    if e.in_zone:
        lines.append(f"embargo end: {e.in_zone} / {e.in_my_zone}")
    lines.append("")
    lines.append("shared thread:")
    lines += [f"  {m.at.isoformat()} {m.who}: {m.body}" for m in view.shared]
    lines.append("private thread with the case team:")
    lines += [f"  {m.at.isoformat()} {m.who}: {m.body}" for m in view.private]
    lines += ["", view.shared_with]
    return "\n".join(lines) + "\n"


def export(deps: Deps, principal: Principal, case: str) -> tuple[str, str]:
    """The export document and its file name; the download is audited."""
    enter(principal)
    now = deps.clock.now()
    with deps.uow() as uow:
        shown = _portal_view(deps, uow, principal, case)
        # The per-recipient watermark (decision 0047): a visible ref and an invisible token.
        document = watermark.stamp(
            deps,
            principal,
            shown.view.case,
            shown.view.participant,
            principal.name,
            export_document(shown),
            "portal-export",
            uow=uow,
        )
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_PORTAL_EXPORTED,
                "case",
                shown.view.case,
                tuple(sorted(shown.view.fields)),
                participant=str(shown.view.participant),
                sha256=sharing.digest(document),
            )
        )
        uow.commit()
    return document, f"{shown.view.case}-shared-view.txt"


def is_participant(principal: Principal) -> bool:
    """Whether the principal is an outside participant's account (its console is the portal)."""
    return AccountRole.PARTICIPANT.value in principal.roles and not principal.is_system

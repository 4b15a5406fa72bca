"""The coordinator's page of a case in one read: participants, the status board, the embargo
in both zones, thread sizes with the viewer's unread counts, and the newest messages of one
thread (the shared one unless asked; the read is audited and marks it read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.coordination import StatusCell, board
from vulndesk.domain.embargo import fold
from vulndesk.domain.threads import ThreadMessage, ThreadSummary
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.coordination import embargo as embargo_service
from vulndesk.services.coordination import sharing, threads
from vulndesk.services.coordination.participants import ParticipantRow
from vulndesk.services.coordination.statuses import case_products

SHOWN_MESSAGES = 50


@dataclass(frozen=True, slots=True)
class Overview:
    case: str
    participants: list[ParticipantRow]
    cells: list[StatusCell]
    embargo: embargo_service.Shown
    threads: dict[int | None, ThreadSummary]
    shared: list[ThreadMessage]
    now: dt.datetime
    # The thread shown (None: shared) and, per thread, what the viewer had not read before.
    thread: int | None = None
    unread: dict[int | None, int] = field(default_factory=dict)
    # (participant id, lower-case address) -> (account name, whether it joined): the people
    # who sign in themselves (decision 0045).
    accounts: dict[tuple[int, str], tuple[str, bool]] = field(default_factory=dict)


def overview(
    deps: Deps,
    principal: Principal,
    case: str,
    viewer_zone: str,
    thread: str | int | None = None,
) -> Overview:
    """The page's data; `thread` (the shared one unless a participant id) is the thread shown,
    which the read marks read for the viewer."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    which = threads.parse_thread(thread)
    now = deps.clock.now()
    with deps.uow() as uow:
        if which is not None:
            sharing.participant_of(uow, key, which)
        everyone = uow.coordination.participants(key)
        parties = {p.id: p for p in uow.parties.list()}
        rows = [
            ParticipantRow(
                p, parties[p.party].name, parties[p.party].kind.value, parties[p.party].country
            )
            for p in everyone
        ]
        cells = board(everyone, case_products(uow, key), uow.coordination.statements(key))
        shown = embargo_service.shown(fold(uow.coordination.embargo_events(key)), viewer_zone, now)
        summaries = {s.participant: s for s in uow.coordination.thread_summaries(key)}
        unread = uow.coordination.unread(principal.name, key)
        shared = uow.coordination.messages(key, which, SHOWN_MESSAGES)
        threads.mark_read(uow, principal.name, key, which, shared)
        accounts = {}
        for b in uow.coordination.bindings(key):
            user = uow.accounts.find_user(b.user)
            if user is not None:
                joined = user.password_hash is not None and not user.disabled
                accounts[(b.participant, user.email.lower())] = (user.name, joined)
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_MESSAGES_READ,
                "case",
                key,
                (),
                thread=threads.SHARED if which is None else str(which),
                count=str(len(shared)),
            )
        )
        uow.commit()
    return Overview(key, rows, cells, shown, summaries, shared, now, which, unread, accounts)

"""Use cases of the embargo: propose, accept, decline, extend, break, end, show.

The end is entered as wall-clock time in its IANA zone (or an instant with that zone's
offset) and shown in both the embargo's zone and the viewer's. A break records who saw the
information, where and when, and tells every participant in the shared thread (each passing
the disclosure guard; those it refuses are named, not told), mails the case team and the
people of every participant told, and re-plans the case: publication is no longer held for the
embargo (the gate's `coordinated-embargo-respected` passes from the break on), the reminders
stop, and the re-plan is recorded (`case:coord:replanned`) and shown with the embargo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag, embargo_tag
from vulndesk.domain.embargo import (
    Embargo,
    EmbargoEvent,
    EmbargoEventKind,
    EmbargoState,
    fold,
    local_end,
    new_event,
    show_instant,
)
from vulndesk.domain.errors import GuardFailed
from vulndesk.domain.ids import parse_case_key
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, CASE_WRITERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.coordination import sharing
from vulndesk.services.coordination.sharing import Refusal
from vulndesk.services.notify import coord_mail
from vulndesk.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Step:
    """An embargo step taken: the event, the embargo after it, and for a break who was told."""

    event: EmbargoEvent
    embargo: Embargo
    told: tuple[int, ...] = ()
    refused: tuple[Refusal, ...] = ()


def current(deps: Deps, principal: Principal, case: str) -> Embargo:
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    with deps.reader() as uow:
        return fold(uow.coordination.embargo_events(key))


def _detail(
    saved: EmbargoEvent, after: Embargo, told: list[int], refused: list[Refusal]
) -> dict[str, str]:
    """The audit detail of a step: the new state, the end, the participant, who was told."""
    detail = {"state": after.state.value}
    if saved.end is not None:
        detail["end"] = saved.end.isoformat()
        detail["zone"] = saved.zone or ""
    if saved.participant is not None:
        detail["participant"] = str(saved.participant)
    if told or refused:
        detail["told"] = ",".join(str(t) for t in told)
        detail["not_told"] = ",".join(str(r.participant) for r in refused)
    return detail


def _step(
    deps: Deps,
    principal: Principal,
    case: str,
    kind: EmbargoEventKind,
    reason: str,
    *,
    participant: int | None = None,
    end: str | None = None,
    zone: str | None = None,
    seen_where: str | None = None,
    seen_at: str | dt.datetime | None = None,
) -> Step:
    key = access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    ending = local_end("end", end, zone or "") if end is not None else None
    seen = values.instant("seen_at", seen_at) if seen_at is not None else None
    where = values.text("where", seen_where, max_len=1000) if seen_where is not None else None
    now = deps.clock.now()
    with deps.uow() as uow:
        if participant is not None:
            sharing.participant_of(uow, key, participant)
        before = fold(uow.coordination.embargo_events(key))
        event, after = new_event(
            before,
            kind,
            now,
            principal.name,
            values.long_text("reason", reason, max_len=4000),
            participant=participant,
            end=ending,
            zone=zone if ending is not None else None,
            seen_where=where,
            seen_at=seen,
        )
        saved = uow.coordination.add_embargo_event(key, event)
        told: list[int] = []
        refused: list[Refusal] = []
        if kind is EmbargoEventKind.BROKEN:
            told, refused = _tell_break(deps, principal, uow, key, saved)
            coord_mail.queue_break(uow, key, saved.id, told, now)
            _replan(principal, uow, key, before, saved)
        detail = _detail(saved, after, told, refused)
        uow.audit.append(principal.event(now, embargo_tag(kind.value), "case", key, (), **detail))
        uow.commit()
    return Step(saved, after, tuple(told), tuple(refused))


def _tell_break(
    deps: Deps, principal: Principal, u: UnitOfWork, key: str, event: EmbargoEvent
) -> tuple[list[int], list[Refusal]]:
    case = u.cases.get(parse_case_key(key))
    body = (
        f"The embargo on {key} was broken: seen at {event.seen_where} "
        f"on {event.seen_at.isoformat() if event.seen_at else ''}, reported by {event.by}. "
        f"{event.reason}"
    )
    u.coordination.add_message(key, None, principal.name, event.at, body)
    told: list[int] = []
    refused: list[Refusal] = []
    for p in u.coordination.participants(key):
        try:
            sharing.tell(deps, principal, u, case, p, body)
        except GuardFailed as exc:
            refused.append(Refusal(p.id, str(p.party), exc.detail))
            continue
        told.append(p.id)
    return told, refused


def _replan(
    principal: Principal, u: UnitOfWork, key: str, before: Embargo, event: EmbargoEvent
) -> None:
    """Record what the break changes in the case's plan: publication is free from now on
    instead of at the embargo's end, and no reminder of that end is sent any more."""
    detail = {
        "publication_free_since": event.at.isoformat(),
        "held_until": before.end.isoformat() if before.end else "",
        "pending_extension_dropped": before.pending_end.isoformat() if before.pending_end else "",
        "reminders": "stopped",
    }
    u.audit.append(
        principal.event(event.at, AuditTag.CASE_COORD_REPLANNED, "case", key, (), **detail)
    )


def propose(deps: Deps, principal: Principal, case: str, end: str, zone: str, reason: str) -> Step:
    return _step(deps, principal, case, EmbargoEventKind.PROPOSED, reason, end=end, zone=zone)


def extend(deps: Deps, principal: Principal, case: str, end: str, zone: str, reason: str) -> Step:
    return _step(deps, principal, case, EmbargoEventKind.EXTENDED, reason, end=end, zone=zone)


def accept(
    deps: Deps, principal: Principal, case: str, reason: str, participant: int | None = None
) -> Step:
    return _step(deps, principal, case, EmbargoEventKind.ACCEPTED, reason, participant=participant)


def decline(
    deps: Deps, principal: Principal, case: str, reason: str, participant: int | None = None
) -> Step:
    return _step(deps, principal, case, EmbargoEventKind.DECLINED, reason, participant=participant)


def end_embargo(deps: Deps, principal: Principal, case: str, reason: str) -> Step:
    return _step(deps, principal, case, EmbargoEventKind.ENDED, reason)


def record_break(
    deps: Deps,
    principal: Principal,
    case: str,
    where: str,
    seen_at: str | dt.datetime,
    reason: str,
) -> Step:
    return _step(
        deps,
        principal,
        case,
        EmbargoEventKind.BROKEN,
        reason,
        seen_where=where,
        seen_at=seen_at,
    )


@dataclass(frozen=True, slots=True)
class Shown:
    """An embargo for display: state, the end in its zone and the viewer's, and its events."""

    embargo: Embargo
    in_zone: str | None
    in_viewer_zone: str | None
    pending_in_zone: str | None
    pending_in_viewer_zone: str | None
    in_force: bool
    # After a break: the end that no longer holds publication, and since when it is free.
    held_until_in_zone: str | None = None
    free_since_in_viewer_zone: str | None = None


def shown(embargo: Embargo, viewer_zone: str, now: dt.datetime) -> Shown:
    viewer = values.timezone("viewer_zone", viewer_zone)

    def both(at: dt.datetime | None, zone: str | None) -> tuple[str | None, str | None]:
        if at is None or zone is None:
            return None, None
        return show_instant(at, zone), show_instant(at, viewer)

    end = both(embargo.end, embargo.zone)
    pending = both(embargo.pending_end, embargo.pending_zone)
    held = free = None
    if embargo.state is EmbargoState.EXITED and embargo.broken is not None:
        held = end[0]
        free = show_instant(embargo.broken.at, viewer)
    return Shown(embargo, end[0], end[1], pending[0], pending[1], embargo.in_force(now), held, free)


def show(deps: Deps, principal: Principal, case: str, viewer_zone: str) -> Shown:
    return shown(current(deps, principal, case), viewer_zone, deps.clock.now())

"""The embargo of a coordinated case: a planned publication instant with its IANA zone.

Its state comes from its events, folded in order
(`fold`):

    state     event                        next state   rule
    none      proposed (end, zone)         proposed     end in the future
    exited    proposed                     proposed     a new embargo after one ended
    proposed  accepted (by the case team)  active       the proposed end becomes binding
    proposed  declined (by the case team)  none         the proposal is dropped
    active    extended (later end)         revise       the new end must be later
    revise    accepted (by the case team)  active       the extension becomes binding
    revise    declined (by the case team)  active       the old end stays
    active    broken (who, where, when)    exited       participants are told
    revise    broken                       exited
    active    ended (published, lifted)    exited
    revise    ended                        exited
    proposed  ended (withdrawn)            exited

A participant's acceptance or decline (an event naming the participant) is recorded while the
embargo is proposed, active or revise and changes no state: the case team decides. Everything here is
pure: no I/O, instants always aware.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from vulndesk.domain.errors import Conflict, InvalidInput


class EmbargoState(StrEnum):
    NONE = "none"
    PROPOSED = "proposed"
    ACTIVE = "active"
    REVISE = "revise"
    EXITED = "exited"


class EmbargoEventKind(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXTENDED = "extended"
    BROKEN = "broken"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class EmbargoEvent:
    """One step of the embargo: who asked, why; `participant` when a participant answered.

    `end`/`zone` for proposed and extended; `seen_where`/`seen_at` for broken."""

    kind: EmbargoEventKind
    at: dt.datetime
    by: str
    reason: str
    participant: int | None = None
    end: dt.datetime | None = None
    zone: str | None = None
    seen_where: str | None = None
    seen_at: dt.datetime | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class Embargo:
    """The embargo of a case folded from its events; `end` binds while active or revise,
    `pending_end` is a proposal (or extension) not yet accepted."""

    state: EmbargoState = EmbargoState.NONE
    end: dt.datetime | None = None
    zone: str | None = None
    pending_end: dt.datetime | None = None
    pending_zone: str | None = None
    accepted_by: frozenset[int] = frozenset()
    declined_by: frozenset[int] = frozenset()
    broken: EmbargoEvent | None = None
    events: tuple[EmbargoEvent, ...] = field(default=())

    def in_force(self, at: dt.datetime) -> bool:
        """Publication at `at` would break it: active (or being revised) and before its end."""
        return (
            self.state in (EmbargoState.ACTIVE, EmbargoState.REVISE)
            and self.end is not None
            and at < self.end
        )

    def shown(self, viewer_zone: str) -> tuple[str, str] | None:
        """The binding end (or the proposed one) in the embargo's zone and the viewer's."""
        end = self.end if self.end is not None else self.pending_end
        zone = self.zone if self.end is not None else self.pending_zone
        if end is None or zone is None:
            return None
        return show_instant(end, zone), show_instant(end, viewer_zone)


def zone_of(field_: str, name: str) -> zoneinfo.ZoneInfo:
    """An IANA zone; a bare offset or abbreviation (CST, +08:00) is refused: it hides DST."""
    text = name.strip()
    if "/" not in text and text != "UTC":
        raise InvalidInput(
            field_,
            f"{name!r} is not an IANA zone name",
            "a name such as Asia/Shanghai, Europe/Berlin, America/New_York or UTC",
        )
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            field_, f"{name!r} is not a known time zone", "an IANA name such as Asia/Shanghai"
        ) from None


def local_end(field_: str, text: str, zone: str) -> dt.datetime:
    """The end of an embargo from `text` in `zone`: with an offset it must agree with the
    zone; without one it is wall-clock time there, refused when the clock skips it (spring
    forward) or shows it twice (fall back)."""
    tz = zone_of("zone", zone)
    try:
        parsed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            field_, f"{text!r} is not an ISO 8601 date and time", "e.g. 2027-03-10T09:00"
        ) from None
    if parsed.tzinfo is not None:
        if parsed.astimezone(tz).utcoffset() != parsed.utcoffset():
            raise InvalidInput(
                field_,
                f"the offset of {text!r} is not {zone}'s offset at that instant",
                f"the local time in {zone} without an offset, or its offset there",
            )
        return parsed.astimezone(dt.UTC)
    first = parsed.replace(tzinfo=tz, fold=0)
    second = parsed.replace(tzinfo=tz, fold=1)
    back = first.astimezone(dt.UTC).astimezone(tz)
    if back.replace(tzinfo=None) != parsed:
        raise InvalidInput(
            field_,
            f"{text} does not exist in {zone} (the clocks go forward)",
            "a time outside the skipped hour",
        )
    if first.utcoffset() != second.utcoffset():
        raise InvalidInput(
            field_,
            f"{text} happens twice in {zone} (the clocks go back)",
            "an offset to say which, e.g. " + first.isoformat(),
        )
    return first.astimezone(dt.UTC)


def show_instant(at: dt.datetime, zone: str) -> str:
    """`2027-03-10 09:00 CST (Asia/Shanghai, UTC+08:00)`: local time, abbreviation, zone."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    offset = local.strftime("%z")
    sign = offset[:1] or "+"
    hours = offset[1:3] or "00"
    minutes = offset[3:5] or "00"
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({zone}, UTC{sign}{hours}:{minutes})"


def _need_reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput("reason", "say who asked and why", "e.g. vendor needs a fix release")
    return reason.strip()


def _refuse(embargo: Embargo, action: str) -> Conflict:
    return Conflict(f"the embargo is {embargo.state.value}: it cannot be {action}")


def _answered(e: Embargo, event: EmbargoEvent, done: Embargo, who: int) -> Embargo:
    """Participant `who` accepts or declines: recorded, no change of state."""
    kind, state = event.kind, e.state
    if kind not in (EmbargoEventKind.ACCEPTED, EmbargoEventKind.DECLINED):
        raise InvalidInput("participant", "a participant only accepts or declines")
    if state not in (EmbargoState.PROPOSED, EmbargoState.ACTIVE, EmbargoState.REVISE):
        raise _refuse(e, f"{kind.value} by a participant")
    if kind is EmbargoEventKind.ACCEPTED:
        return replace(
            done,
            accepted_by=e.accepted_by | {who},
            declined_by=e.declined_by - {who},
        )
    return replace(
        done,
        declined_by=e.declined_by | {who},
        accepted_by=e.accepted_by - {who},
    )


def _proposed(e: Embargo, event: EmbargoEvent, done: Embargo) -> Embargo:
    state = e.state
    if state not in (EmbargoState.NONE, EmbargoState.EXITED):
        fix = "extend it" if state is EmbargoState.ACTIVE else "accept or decline it first"
        raise Conflict(f"the embargo is {state.value}: {fix}")
    return replace(
        Embargo(events=done.events),
        state=EmbargoState.PROPOSED,
        pending_end=event.end,
        pending_zone=event.zone,
    )


def _extended(e: Embargo, event: EmbargoEvent, done: Embargo) -> Embargo:
    if e.state is not EmbargoState.ACTIVE:
        raise _refuse(e, "extended")
    if e.end is None or event.end is None or event.end <= e.end:
        raise InvalidInput("end", "an extension must end later than the embargo does now")
    return replace(
        done,
        state=EmbargoState.REVISE,
        pending_end=event.end,
        pending_zone=event.zone,
        accepted_by=frozenset(),
        declined_by=frozenset(),
    )


def _accepted(e: Embargo, event: EmbargoEvent, done: Embargo) -> Embargo:
    if e.state not in (EmbargoState.PROPOSED, EmbargoState.REVISE):
        raise _refuse(e, "accepted")
    return replace(
        done,
        state=EmbargoState.ACTIVE,
        end=e.pending_end,
        zone=e.pending_zone,
        pending_end=None,
        pending_zone=None,
    )


def _declined(e: Embargo, event: EmbargoEvent, done: Embargo) -> Embargo:
    if e.state is EmbargoState.PROPOSED:
        return Embargo(events=done.events)
    if e.state is EmbargoState.REVISE:
        return replace(done, state=EmbargoState.ACTIVE, pending_end=None, pending_zone=None)
    raise _refuse(e, "declined")


def _broken(e: Embargo, event: EmbargoEvent, done: Embargo) -> Embargo:
    if e.state not in (EmbargoState.ACTIVE, EmbargoState.REVISE):
        raise _refuse(e, "broken")
    return replace(
        done, state=EmbargoState.EXITED, broken=event, pending_end=None, pending_zone=None
    )


def _ended(e: Embargo, event: EmbargoEvent, done: Embargo) -> Embargo:
    if e.state not in (EmbargoState.PROPOSED, EmbargoState.ACTIVE, EmbargoState.REVISE):
        raise _refuse(e, "ended")
    return replace(done, state=EmbargoState.EXITED, pending_end=None, pending_zone=None)


# The case team's steps, one per kind of event (a participant's answer is `_answered`).
_STEPS: dict[EmbargoEventKind, Callable[[Embargo, EmbargoEvent, Embargo], Embargo]] = {
    EmbargoEventKind.PROPOSED: _proposed,
    EmbargoEventKind.EXTENDED: _extended,
    EmbargoEventKind.ACCEPTED: _accepted,
    EmbargoEventKind.DECLINED: _declined,
    EmbargoEventKind.BROKEN: _broken,
    EmbargoEventKind.ENDED: _ended,
}


def apply(embargo: Embargo, event: EmbargoEvent) -> Embargo:
    """The embargo after `event`; Conflict when the state machine forbids it."""
    done = replace(embargo, events=(*embargo.events, event))
    if event.participant is not None:
        return _answered(embargo, event, done, event.participant)
    return _STEPS[event.kind](embargo, event, done)


def fold(events: Iterable[EmbargoEvent]) -> Embargo:
    """The embargo its stored events make, in order."""
    embargo = Embargo()
    for event in events:
        embargo = apply(embargo, event)
    return embargo


def new_event(
    embargo: Embargo,
    kind: EmbargoEventKind,
    at: dt.datetime,
    by: str,
    reason: str,
    *,
    participant: int | None = None,
    end: dt.datetime | None = None,
    zone: str | None = None,
    seen_where: str | None = None,
    seen_at: dt.datetime | None = None,
) -> tuple[EmbargoEvent, Embargo]:
    """Check a requested step against the rules and the state; the event and the new embargo."""
    if at.tzinfo is None:
        raise InvalidInput("at", "naive instants are refused")
    why = _need_reason(reason)
    if kind in (EmbargoEventKind.PROPOSED, EmbargoEventKind.EXTENDED):
        if end is None or zone is None:
            raise InvalidInput("end", f"{kind.value} needs an end and its zone")
        zone_of("zone", zone)
        if end <= at:
            raise InvalidInput("end", f"{end.isoformat()} is not in the future", "a later instant")
    elif end is not None or zone is not None:
        raise InvalidInput("end", f"{kind.value} takes no end")
    if kind is EmbargoEventKind.BROKEN:
        if not (seen_where or "").strip():
            raise InvalidInput("where", "say where the information was seen", "a URL or place")
        if seen_at is None:
            raise InvalidInput("seen_at", "say when it was seen", "an ISO 8601 instant")
        if seen_at > at:
            raise InvalidInput("seen_at", "is in the future", "the instant it was seen")
    elif seen_where is not None or seen_at is not None:
        raise InvalidInput("where", f"{kind.value} takes no sighting")
    event = EmbargoEvent(
        kind,
        at,
        by,
        why,
        participant,
        end.astimezone(dt.UTC) if end else None,
        zone.strip() if zone else None,
        seen_where.strip() if seen_where else None,
        seen_at,
    )
    return event, apply(embargo, event)

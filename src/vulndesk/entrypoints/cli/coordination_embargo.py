"""`vulndesk coord embargo`: propose, extend, accept, decline, break, end and show the embargo
(an end with its IANA zone, shown in both zones); who was told and who was not."""

from __future__ import annotations

from collections.abc import Callable

import typer

from vulndesk.entrypoints.cli import coordination_remote as via_server
from vulndesk.entrypoints.cli import remote
from vulndesk.entrypoints.cli.common import (
    deps,
    errors,
    print_json,
    signed_in,
)
from vulndesk.entrypoints.cli.coordination_apps import (
    JSON,
    ZONE,
    embargo_app,
)
from vulndesk.services.coordination import (
    embargo,
)


def _print_embargo(shown: embargo.Shown, as_json: bool) -> None:
    e = shown.embargo
    if as_json:
        print_json(
            {
                "state": e.state.value,
                "end": e.end.isoformat() if e.end else None,
                "zone": e.zone,
                "end_in_zone": shown.in_zone,
                "end_in_your_zone": shown.in_viewer_zone,
                "pending_end": e.pending_end.isoformat() if e.pending_end else None,
                "pending_zone": e.pending_zone,
                "in_force": shown.in_force,
                "held_until_in_zone": shown.held_until_in_zone,
                "publication_free_since": shown.free_since_in_viewer_zone,
                "accepted_by": sorted(e.accepted_by),
                "declined_by": sorted(e.declined_by),
                "events": e.events,
            }
        )
        return
    typer.echo(f"embargo: {e.state.value}{' (in force)' if shown.in_force else ''}")
    if shown.in_zone:
        typer.echo(f"ends: {shown.in_zone}")
        typer.echo(f"      {shown.in_viewer_zone} (your zone)")
    if shown.pending_in_zone:
        typer.echo(f"proposed end: {shown.pending_in_zone}")
        typer.echo(f"              {shown.pending_in_viewer_zone} (your zone)")
    if shown.free_since_in_viewer_zone:
        typer.echo(
            f"re-planned after the break: publication free since "
            f"{shown.free_since_in_viewer_zone} (was held until {shown.held_until_in_zone})"
        )
    if e.accepted_by or e.declined_by:
        typer.echo(
            f"participants accepted: {sorted(e.accepted_by)}; declined: {sorted(e.declined_by)}"
        )
    for ev in e.events:
        who = f" participant {ev.participant}" if ev.participant is not None else ""
        seen = f" seen at {ev.seen_where} on {ev.seen_at.isoformat()}" if ev.seen_at else ""
        typer.echo(f"  {ev.at.isoformat(timespec='minutes')} {ev.kind.value} by {ev.by}{who}"
                   f"{seen}: {ev.reason}")  # fmt: skip


def _after(case: str, step: embargo.Step, zone: str, as_json: bool) -> None:
    with errors():
        shown = embargo.shown(step.embargo, zone, step.event.at)
    _told(case, step, shown, as_json)


def _remote_step(case: str, kind: str, zone: str, as_json: bool, /, **body: object) -> None:
    """One embargo step through the server, printed as the local command prints it."""
    step, shown = via_server.act(case, kind, zone, **body)
    _told(case, step, shown, as_json)


def _told(case: str, step: embargo.Step, shown: embargo.Shown, as_json: bool) -> None:
    if not as_json:
        typer.echo(f"{case}: embargo {step.event.kind.value}")
    for r in step.refused:
        typer.echo(f"not told: participant {r.participant} ({r.party}): {r.reason}", err=True)
    _print_embargo(shown, as_json)


REASON = typer.Option(..., "--reason", help="Who asked and why")
END = typer.Option(
    ..., "--end", help="Local date and time in --embargo-zone, e.g. 2027-03-10T09:00"
)
EMBARGO_ZONE = typer.Option(..., "--embargo-zone", help="The embargo's IANA zone")
PARTICIPANT = typer.Option(
    None, "--participant", help="A participant's answer (the case team's decision without it)"
)


@embargo_app.command("propose")
def embargo_propose(
    case: str,
    end: str = END,
    embargo_zone: str = EMBARGO_ZONE,
    reason: str = REASON,
    zone: str = ZONE,
    as_json: bool = JSON,
) -> None:
    """Propose a publication instant with its zone."""
    if remote.active():
        body = {"end": end, "zone": embargo_zone, "reason": reason}
        _remote_step(case, "propose", zone, as_json, **body)
        return
    with errors():
        step = embargo.propose(deps(), signed_in(), case, end, embargo_zone, reason)
    _after(case, step, zone, as_json)


@embargo_app.command("extend")
def embargo_extend(
    case: str,
    end: str = END,
    embargo_zone: str = EMBARGO_ZONE,
    reason: str = REASON,
    zone: str = ZONE,
    as_json: bool = JSON,
) -> None:
    """Ask for a later end of an active embargo (it stays in force meanwhile)."""
    if remote.active():
        body = {"end": end, "zone": embargo_zone, "reason": reason}
        _remote_step(case, "extend", zone, as_json, **body)
        return
    with errors():
        step = embargo.extend(deps(), signed_in(), case, end, embargo_zone, reason)
    _after(case, step, zone, as_json)


def _answer_command(name: str, answer: Callable[..., embargo.Step], doc: str) -> None:
    """`embargo accept` and `embargo decline`: the same options, a different answer."""

    def command(
        case: str,
        reason: str = REASON,
        participant: int | None = PARTICIPANT,
        zone: str = ZONE,
        as_json: bool = JSON,
    ) -> None:
        if remote.active():
            body = {"reason": reason, "participant": participant}
            _remote_step(case, name, zone, as_json, **body)
            return
        with errors():
            step = answer(deps(), signed_in(), case, reason, participant)
        _after(case, step, zone, as_json)

    command.__doc__ = doc
    embargo_app.command(name)(command)


_answer_command(
    "accept",
    embargo.accept,
    "Accept the proposal or extension (or record a participant's acceptance).",
)
_answer_command(
    "decline",
    embargo.decline,
    "Decline the proposal or extension (or record a participant's decline).",
)


@embargo_app.command("break")
def embargo_break(
    case: str,
    where: str = typer.Option(..., "--where", help="Where it was seen (a URL, a place)"),
    seen_at: str = typer.Option(..., "--seen-at", help="When, ISO 8601 with offset"),
    reason: str = REASON,
    zone: str = ZONE,
    as_json: bool = JSON,
) -> None:
    """Record an embargo break; every participant the guard allows is told."""
    if remote.active():
        body = {"where": where, "seen_at": seen_at, "reason": reason}
        _remote_step(case, "break", zone, as_json, **body)
        return
    with errors():
        step = embargo.record_break(deps(), signed_in(), case, where, seen_at, reason)
    _after(case, step, zone, as_json)


@embargo_app.command("end")
def embargo_end(case: str, reason: str = REASON, zone: str = ZONE, as_json: bool = JSON) -> None:
    """End the embargo (published, lifted, withdrawn)."""
    if remote.active():
        _remote_step(case, "end", zone, as_json, reason=reason)
        return
    with errors():
        step = embargo.end_embargo(deps(), signed_in(), case, reason)
    _after(case, step, zone, as_json)


@embargo_app.command("show")
def embargo_show(case: str, zone: str = ZONE, as_json: bool = JSON) -> None:
    """The embargo: state, end in its zone and yours, every step."""
    if remote.active():
        shown = via_server.show(case, zone)
    else:
        with errors():
            shown = embargo.show(deps(), signed_in(), case, zone)
    _print_embargo(shown, as_json)

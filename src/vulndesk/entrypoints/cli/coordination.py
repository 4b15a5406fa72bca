"""CLI `vulndesk coord`: coordinated disclosure with many parties on one case.

Participants, their per-product statuses (approved by a second person before they are
shared), the embargo (an end with its IANA zone, shown in both zones), the shared and private
threads, invitation suggestions with their reasons, and sending a participant its shared view.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import typer

from vulndesk.entrypoints.cli import coordination_remote as via_server
from vulndesk.entrypoints.cli import remote
from vulndesk.entrypoints.cli.common import (
    container,
    deps,
    errors,
    fail,
    print_json,
    signed_in,
    table,
)
from vulndesk.services.coordination import (
    embargo,
    invitations,
    participants,
    statuses,
    suggest,
    threads,
    watermark,
)
from vulndesk.services.notify import coord_mail

coord_app = typer.Typer(
    help="Coordinated disclosure: participants, statuses, embargo, threads.", no_args_is_help=True
)
participants_app = typer.Typer(help="Organisations taking part in a case.", no_args_is_help=True)
status_app = typer.Typer(help="Participants' statuses per product.", no_args_is_help=True)
embargo_app = typer.Typer(help="The case's embargo, with its time zone.", no_args_is_help=True)
thread_app = typer.Typer(help="The shared thread and private threads.", no_args_is_help=True)
coord_app.add_typer(participants_app, name="participants")
coord_app.add_typer(status_app, name="status")
coord_app.add_typer(embargo_app, name="embargo")
coord_app.add_typer(thread_app, name="thread")

JSON = typer.Option(False, "--json", help="Print JSON")
ZONE = typer.Option("UTC", "--zone", help="Your IANA time zone, for showing instants")


@participants_app.command("add")
def participants_add(
    case: str,
    party: str = typer.Option(..., "--party", help="The party id (vulndesk party list)"),
    role: str = typer.Option(
        ...,
        "--role",
        help="upstream_supplier, downstream_maker, coordinator, finder or customer",
    ),
    person: list[str] = typer.Option(
        [], "--person", help='Repeat: "Name <address>" of a person of the participant'
    ),
    as_json: bool = JSON,
) -> None:
    """Invite an organisation to the case (nothing is sent until you share)."""
    if remote.active():
        added = via_server.invite(case, party, role, person)
    else:
        with errors():
            added = participants.invite(deps(), signed_in(), case, party, role, person)
    if as_json:
        print_json(added)
        return
    typer.echo(f"{case}: participant {added.id} {added.party} ({added.role.value})")


@coord_app.command("invite")
def invite_cmd(
    case: str,
    participant: int = typer.Option(..., "--participant", help="The participant id"),
    email: str = typer.Option(..., "--email", help="One of the participant's people"),
    name: str | None = typer.Option(None, "--name", help="Account name (default: derived)"),
    as_json: bool = JSON,
) -> None:
    """Give a participant's person an account of its own and a one-time link to sign in.

    The link is printed once here and mailed to the person; it works once, for 7 days.
    """
    with errors():
        made = invitations.invite_person(deps(), signed_in(), case, participant, email, name)
        url = invitations.link(container().settings.public_url, made.token)
    if as_json:
        print_json(
            {
                "user": made.user,
                "email": made.email,
                "case": made.case,
                "participant": made.participant,
                "party": made.party,
                "link": url,
                "expires_at": made.expires_at,
                "account_created": made.account_created,
            }
        )
        return
    state = "new account" if made.account_created else "existing account"
    typer.echo(f"{case}: {made.user} ({state}) speaks for participant {made.participant}")
    typer.echo(f"one-time link (shown once, also mailed to {made.email}):")
    typer.echo(url)
    typer.echo(f"valid until {made.expires_at.isoformat(timespec='minutes')}")


@participants_app.command("list")
def participants_list(case: str, as_json: bool = JSON) -> None:
    """The participants of a case."""
    if remote.active():
        rows = via_server.participant_rows(case)
    else:
        with errors():
            rows = participants.participants(deps(), signed_in(), case)
    if as_json:
        print_json(rows)
        return
    table(
        f"Participants of {case}",
        ["id", "party", "kind", "country", "role", "people", "invited"],
        [
            (
                r.participant.id,
                f"{r.participant.party} ({r.party_name})",
                r.party_kind,
                r.country,
                r.participant.role.value,
                ", ".join(f"{p.name} <{p.address}>" for p in r.participant.people),
                r.participant.invited_at.isoformat(timespec="minutes"),
            )
            for r in rows
        ],
    )


@status_app.command("set")
def status_set(
    case: str,
    participant: int = typer.Option(..., "--participant", help="The participant id"),
    product: str = typer.Option(..., "--product", help="A product id or package URL"),
    status: str = typer.Option(
        ..., "--status", help="affected, not_affected, under_investigation or fixed"
    ),
    statement: str = typer.Option(..., "--statement", help="What the participant said"),
    justification: str | None = typer.Option(
        None, "--justification", help="not_affected only: the VEX justification"
    ),
    fixed: list[str] = typer.Option([], "--fixed", help="fixed only; repeat: a fixing version"),
    as_json: bool = JSON,
) -> None:
    """Record a participant's status of a product; a second person approves it."""
    if remote.active():
        saved = via_server.record(
            case, participant, product, status, statement, justification, fixed
        )
    else:
        with errors():
            saved = statuses.record(
                deps(), signed_in(), case, participant, product, status, statement,
                justification, fixed,
            )  # fmt: skip
    if as_json:
        print_json(saved)
        return
    typer.echo(
        f"{case}: statement {saved.id} recorded ({saved.status.value}); "
        f"approve it: vulndesk coord status approve {case} {saved.id}"
    )


@status_app.command("approve")
def status_approve(case: str, statement: int, as_json: bool = JSON) -> None:
    """Approve a statement for sharing (not the person who recorded it)."""
    if remote.active():
        saved = via_server.approve(case, statement)
    else:
        with errors():
            saved = statuses.approve(deps(), signed_in(), case, statement)
    if as_json:
        print_json(saved)
        return
    typer.echo(f"{case}: statement {saved.id} approved ({saved.status.value})")


@status_app.command("list")
def status_list(case: str, as_json: bool = JSON) -> None:
    """Every participant and product: the approved status, or no answer since the invitation."""
    if remote.active():
        found = via_server.board(case)
    else:
        with errors():
            found = statuses.status_board(deps(), signed_in(), case)
    if as_json:
        print_json(found)
        return
    rows = []
    for c in found.cells:
        said = c.status.value.replace("_", " ")
        if c.silent:
            said = f"no answer since {c.since.isoformat(timespec='minutes')}"
        extra = ""
        if c.current is not None and c.current.justification is not None:
            extra = c.current.justification.value
        if c.current is not None and c.current.fixed_versions:
            extra = "fixed in " + ", ".join(c.current.fixed_versions)
        pending = f"{c.pending.id}: {c.pending.status.value}" if c.pending else ""
        rows.append((c.participant, c.product, said, extra, pending))
    table(
        f"Statuses of {case}",
        ["participant", "product", "status", "detail", "waiting for approval"],
        rows,
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


@coord_app.command("suggest")
def suggest_cmd(case: str, as_json: bool = JSON) -> None:
    """Whom to invite, from SBOMs, suppliers and declared package URLs, and why."""
    if remote.active():
        found = via_server.suggestions(case)
    else:
        with errors():
            found = suggest.suggestions(deps(), signed_in(), case)
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo(f"{case}: no suggestions")
    for s in found:
        mark = " (already invited)" if s.invited else ""
        typer.echo(f"{s.party} ({s.name}) as {s.role.value}{mark}")
        for r in s.reasons:
            typer.echo(f"  - {r}")


@coord_app.command("share")
def share_cmd(
    case: str,
    participant: int = typer.Option(..., "--participant"),
    preview: bool = typer.Option(False, "--preview", help="Show, send nothing"),
    format: str = typer.Option(
        "text", "--format", help="With --preview: the document as text or json"
    ),
    as_json: bool = JSON,
) -> None:
    """Send a participant the case's shared view, redacted by its disclosure policy and
    watermarked for its people (a visible line and an invisible mark)."""
    if format not in watermark.FORMATS:
        fail(f"--format: {format!r} is not a format; use text or json")
    ref: str | None = None
    if remote.active() and preview:
        view = via_server.preview(case, participant, format)
    elif remote.active():
        view, ref = via_server.share(case, participant)
    else:
        with errors():
            if preview:
                view = participants.shared_view(deps(), signed_in(), case, participant, format)
            else:
                view, entry = participants.share(deps(), signed_in(), case, participant)
                ref = entry.ref
    if as_json:
        print_json({"view": view, "ledger": ref})
        return
    _print_share(view.stamped, ref)


def _print_share(stamped: str, ref: str | None) -> None:
    typer.echo(stamped, nl=not stamped.endswith("\n"))
    if ref:
        typer.echo(f"recorded in the ledger as {ref}")


@coord_app.command("party-purls")
def party_purls(
    party: str,
    purl: list[str] = typer.Option([], "--purl", help="Repeat: a package URL the party makes"),
) -> None:
    """Declare the package URLs a party makes (replaces its list; none clears it)."""
    if remote.active():
        saved = via_server.set_party_purls(party, purl)
    else:
        with errors():
            saved = participants.set_party_purls(deps(), signed_in(), party, purl)
    typer.echo(f"{party}: {len(saved)} package URLs")


@thread_app.command("post")
def thread_post(
    case: str,
    thread: str = typer.Option("shared", "--thread", help="shared, or a participant id"),
    message_stdin: bool = typer.Option(
        False, "--message-stdin", help="Read the message from standard input (required)"
    ),
    attach: list[Path] = typer.Option(
        [], "--attach", help="Repeat: a file to attach (at most 5; 10 MB each)"
    ),
) -> None:
    """Post to the shared thread or a participant's private thread, with files attached."""
    if not message_stdin:
        fail("--message-stdin: the message is read from standard input; pass --message-stdin")
    files = []
    for path in attach:
        try:
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            fail(f"--attach: cannot read {path}: {exc.strerror}; name a readable file")
    body = sys.stdin.read()
    if remote.active():
        posted = via_server.post(case, thread, body, files)
    else:
        with errors():
            posted = threads.post(deps(), signed_in(), case, thread, body, files)
    typer.echo(
        f"{case}: message {posted.message.id} posted to {thread}; "
        f"ledger {', '.join(posted.ledger) or '-'}"
    )
    for f in posted.message.files:
        typer.echo(f"  attached {f.name} ({f.size} bytes) sha256 {f.sha256}")


@thread_app.command("attachment")
def thread_attachment(
    case: str,
    message: int,
    sha256: str,
    thread: str = typer.Option("shared", "--thread", help="shared, or a participant id"),
    out: Path = typer.Option(..., "--out", help="Where to write the file"),
) -> None:
    """Save a file attached to a thread message (the download is audited)."""
    if remote.active():
        fail(
            "attachment: not available through a server yet; "
            f"GET /api/v1/cases/{case}/coordination/threads/{thread}/messages/{message}"
            f"/attachments/{sha256}"
        )
    with errors():
        f, content = threads.file(deps(), signed_in(), case, thread, message, sha256)
    out.write_bytes(content)
    typer.echo(f"{f.name} ({f.size} bytes, {f.media_type}) saved to {out}")


@thread_app.command("read")
def thread_read(
    case: str,
    thread: str = typer.Option("shared", "--thread", help="shared, or a participant id"),
    limit: int = typer.Option(200, "--limit"),
    as_json: bool = JSON,
) -> None:
    """The newest messages of a thread, oldest first (the read is audited and marks the
    thread read for you)."""
    if remote.active():
        found = via_server.read(case, thread, limit)
    else:
        with errors():
            found = threads.read(deps(), signed_in(), case, thread, limit)
    if as_json:
        print_json([asdict(m) | {"mentions": list(coord_mail.mentions(m.body))} for m in found])
        return
    table(
        f"Thread {thread} of {case}",
        ["at", "from", "message", "mentions"],
        [
            (m.at.isoformat(timespec="minutes"), m.author,
             m.body + "".join(f"\n[{f.name} sha256 {f.sha256}]" for f in m.files),
             " ".join(f"@{n}" for n in coord_mail.mentions(m.body)))
            for m in found
        ],
    )  # fmt: skip


@thread_app.command("list")
def thread_list(case: str, as_json: bool = JSON) -> None:
    """The shared thread and each participant's, with sizes and what you have not read."""
    with errors():
        found = threads.thread_states(deps(), signed_in(), case)
    if as_json:
        print_json(
            [
                {"thread": t.name, "count": t.count, "last_at": t.last_at, "unread": t.unread}
                for t in found
            ]
        )
        return
    table(
        f"Threads of {case}",
        ["thread", "messages", "last", "unread"],
        [
            (t.name, t.count, t.last_at.isoformat(timespec="minutes") if t.last_at else "-",
             t.unread)
            for t in found
        ],
    )  # fmt: skip


@coord_app.command("trace")
def trace_cmd(
    source: str = typer.Argument(..., help="A file holding the leaked text, or - for stdin"),
    as_json: bool = JSON,
) -> None:
    """Whose copy a leaked text is: the watermark it carries (of cases you may see)."""
    text = _read_source(source)
    if remote.active():
        _print_trace(via_server.trace(text), as_json)
        return
    with errors():
        found = watermark.trace(deps(), signed_in(), text)
    _print_trace([_found_dict(f) for f in found], as_json)


def _read_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8", errors="replace") as handle:
            return handle.read(watermark.MAX_TRACE_CHARS + 1)
    except OSError as exc:
        fail(f"FILE: cannot read {source}: {exc.strerror}; give a readable file or - for stdin")


def _found_dict(f: watermark.Found) -> dict[str, object]:
    m = f.mark
    return {
        "case": m.case,
        "participant": m.participant,
        "party": m.party,
        "recipient": m.recipient,
        "kind": m.kind,
        "at": m.at.isoformat(),
        "by": m.by,
        "ref": m.ref,
        "document_sha256": m.document_sha256,
        "found_by": f.how,
    }


def _print_trace(found: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        print_json({"found": found})
        return
    if not found:
        typer.echo("no watermark found")
        return
    table(
        "Watermarks found",
        ["ref", "case", "participant", "recipient", "issued", "kind", "found by"],
        [
            (
                f["ref"],
                f["case"],
                f"{f['participant']} ({f['party']})",
                f["recipient"],
                f"{f['at']} by {f['by']}",
                f["kind"],
                f["found_by"],
            )
            for f in found
        ],
    )


def register(app: typer.Typer) -> None:
    app.add_typer(coord_app, name="coord")

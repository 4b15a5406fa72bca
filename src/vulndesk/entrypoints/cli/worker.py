"""CLI for the deadline worker, escalations, organisation options, calendars and waivers."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from dataclasses import asdict as vars_of
from pathlib import Path

import typer

from vulndesk.config import Settings
from vulndesk.domain.errors import VulndeskError
from vulndesk.entrypoints.cli.cases import case_app
from vulndesk.entrypoints.cli.common import (
    container,
    deps,
    errors,
    fail,
    print_json,
    signed_in,
    table,
)
from vulndesk.entrypoints.cli.obligations import rules_app
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.background import worker
from vulndesk.services.clocks import options as obligations_admin
from vulndesk.services.clocks import waivers
from vulndesk.services.clocks.waivers import Waiver
from vulndesk.services.context import Actor
from vulndesk.services.notify import escalations

calendar_app = typer.Typer(help="Working-day calendar overrides.", no_args_is_help=True)


def _worker_actor() -> Actor:
    return Actor(f"worker@{socket.gethostname()}:{os.getpid()}", "worker")


def worker_command(
    once: bool = typer.Option(False, "--once", help="One sweep and dispatch, then exit"),
    interval: int = typer.Option(60, "--interval", min=1, max=60, help="Seconds between sweeps"),
) -> None:
    """Sweep deadlines (overdue, escalations at 50/80/100%) and dispatch the outbox."""
    me = _worker_actor()
    settings = container().settings
    if settings.checkpoint_key is None:
        typer.echo("checkpoints off: VULNDESK_CHECKPOINT_KEY is not set", err=True)
    while True:
        with errors():
            swept, sent = worker.run_once(deps(), me)
        typer.echo(
            f"swept: queued {swept.queued}, overdue {swept.overdue}; "
            f"dispatched: sent {sent.sent}, retried {sent.retried}, failed {sent.failed}"
        )
        more = settings.imap is not None and _read_mailbox()
        if settings.checkpoint_key is not None:
            _checkpoint(settings, settings.checkpoint_key)
        if once:
            return
        if not more:  # a full mailbox round means more mail is waiting: no pause then
            time.sleep(interval)


def _read_mailbox() -> bool:
    """Turn new mail into reports (entrypoints/cli/mailbox.py); a failure is reported and the
    next round tries again (unmoved messages are read again, never doubled). True when the
    round was a full batch that moved mail, so more may be waiting."""
    from vulndesk.entrypoints.cli.mailbox import read_mailbox
    from vulndesk.services.intake.mail import BATCH

    try:
        got = read_mailbox(container())
    except (VulndeskError, OSError) as exc:
        typer.echo(f"mailbox failed: {exc}", err=True)
        return False
    kinds = [o.kind for o in got]
    typer.echo(
        f"mailbox: reports {kinds.count('report')}, follow-ups {kinds.count('follow-up')}, "
        f"refused {kinds.count('refused')}, deferred {kinds.count('deferred')}"
    )
    # Deferred mail stays in the folder: a round of only deferred mail is no reason to hurry.
    return len(got) >= BATCH and kinds.count("deferred") < len(got)


def _checkpoint(settings: Settings, key: Path) -> None:
    """A signed checkpoint of the chain's head when the newest is due; a failure is reported
    and the worker goes on (the next round tries again)."""
    interval = dt.timedelta(seconds=settings.checkpoint_interval)
    try:
        cp = audit_tools.checkpoint_if_due(deps(), key, settings.effective_checkpoint_dir, interval)
    except (VulndeskError, OSError) as exc:
        typer.echo(f"checkpoint failed: {exc}", err=True)
        return
    if cp is None:
        return
    typer.echo(f"checkpoint: seq {cp.seq}, head {cp.hash}")
    if settings.checkpoint_webhook:
        import httpx  # slow to import; only needed here

        try:
            body = audit_tools.checkpoint_text(cp).encode()
            headers = {"content-type": "application/json"}
            url = settings.checkpoint_webhook
            httpx.post(url, content=body, headers=headers, timeout=10).raise_for_status()
        except httpx.HTTPError as exc:
            typer.echo(f"checkpoint webhook failed: {exc}", err=True)


def escalations_command(
    limit: int = typer.Option(100, "--limit"), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Escalations recorded by the worker (each recipient, or undeliverable) in the cases you
    may see, newest first."""
    with errors():
        items = escalations.recorded(deps(), signed_in(), limit)
    if as_json:
        print_json({"escalations": items})
        return
    table(
        "Escalations",
        ["case", "obligation", "threshold", "due", "status", "to", "recorded", "by"],
        [
            (
                e.case,
                e.obligation_id,
                f"{e.threshold}%",
                e.due_at.isoformat(),
                e.status,
                f"{e.channel}:{e.recipient}" if e.recipient else "",
                e.delivered_at.isoformat(timespec="seconds"),
                e.delivered_by,
            )
            for e in items
        ],
    )


@case_app.command("waive")
def case_waive(
    key: str,
    obligation: str,
    reason: str = typer.Option(..., "--reason", help="Why the obligation does not apply"),
    approver: list[str] = typer.Option(
        [], "--approver", hidden=True, help="Refused: the second person approves themselves"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Propose waiving an open or overdue obligation; a second approver approves it with
    `vulndesk case waive-approve`, and only then is it waived."""
    if approver:
        fail(
            "--approver: a waiver no longer names its approvers; the second person approves "
            f"with their own account: `vulndesk case waive-approve {key} {obligation}`"
        )
    with errors():
        found = waivers.propose(deps(), signed_in(), key, obligation, reason)
    _waiver_out(
        found,
        as_json,
        f"; a second approver runs `vulndesk case waive-approve {found.case} {found.id}`",
    )


@case_app.command("waive-approve")
def case_waive_approve(
    key: str,
    waiver: str = typer.Argument(..., metavar="OBLIGATION|WAIVER-ID"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Approve a pending waiver as its second person (an approver or administrator who did not
    propose it); the obligation is then waived."""
    with errors():
        found = waivers.approve(deps(), signed_in(), key, waiver)
    _waiver_out(found, as_json, f"; {found.obligation} is waived")


@case_app.command("waivers")
def case_waivers(key: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """The case's waivers, pending and approved."""
    with errors():
        items = waivers.list_waivers(deps(), signed_in(), key)
    if as_json:
        print_json({"waivers": [_waiver_json(w) for w in items]})
        return
    table(
        "Waivers",
        ["id", "obligation", "status", "proposed by", "approvers", "reason"],
        [
            (w.id, w.obligation, w.status, w.proposed_by, ", ".join(w.approvers), w.reason)
            for w in items
        ],
    )


def _waiver_json(w: Waiver) -> dict[str, object]:
    return {**vars_of(w), "proposed_at": w.proposed_at.isoformat(), "status": w.status}


def _waiver_out(w: Waiver, as_json: bool, then: str) -> None:
    if as_json:
        print_json(_waiver_json(w))
        return
    who = ", ".join(w.approvers)
    typer.echo(f"{w.case}: waiver {w.id} of {w.obligation} {w.status} (approvers: {who}){then}")


@rules_app.command("set-option")
def rules_set_option(
    key: str = typer.Argument(..., help="<rule-set>.<option>"),
    value: str = typer.Argument(..., help="A value the rule set allows"),
    clear: bool = typer.Option(False, "--clear", help="Remove the option (back to the default)"),
) -> None:
    """Set an organisation-wide rule option; every open case's clocks are recomputed."""
    with errors():
        n = obligations_admin.set_option(
            deps(), signed_in(), container().rule_sets, key, None if clear else value
        )
    typer.echo(f"{key} {'cleared' if clear else '= ' + value}; {n} open cases recomputed")


@rules_app.command("options")
def rules_options(as_json: bool = typer.Option(False, "--json")) -> None:
    """Organisation-wide rule options in force."""
    with errors():
        items = obligations_admin.list_options(deps(), signed_in())
    if as_json:
        print_json({"options": items})
        return
    table(
        "Rule options",
        ["option", "value", "set by", "at"],
        [(o.key, o.value, o.updated_by, o.updated_at.isoformat(timespec="seconds")) for o in items],
    )


@calendar_app.command("set")
def calendar_set(
    country: str,
    date: str = typer.Argument(..., help="YYYY-MM-DD"),
    off: bool = typer.Option(False, "--off", help="Not a working day"),
    on: bool = typer.Option(False, "--on", help="A working day"),
    note: str = typer.Option("", "--note"),
) -> None:
    """Override one date of a country's working-day calendar; open cases are recomputed."""
    who = signed_in()
    with errors():
        if off == on:
            from vulndesk.domain.errors import InvalidInput

            raise InvalidInput("--off/--on", "give exactly one", "--off or --on")
        n = obligations_admin.set_calendar_day(deps(), who, country, date, on, note)
    typer.echo(f"{country.upper()} {date}: {'working' if on else 'off'}; {n} open cases recomputed")


@calendar_app.command("list")
def calendar_list(
    country: str | None = typer.Option(None, "--country"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Calendar overrides."""
    with errors():
        items = obligations_admin.list_calendar(deps(), signed_in(), country)
    if as_json:
        print_json({"overrides": [{**vars_of(o), "day": o.day.isoformat()} for o in items]})
        return
    table(
        "Calendar overrides",
        ["country", "date", "working", "note", "set by"],
        [
            (o.country, o.day.isoformat(), "yes" if o.working else "no", o.note, o.updated_by)
            for o in items
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)
    app.command("escalations")(escalations_command)
    app.add_typer(calendar_app, name="calendar")

"""CLI for headquarters oversight of government submissions and its notices."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import typer

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli.common import (
    deps,
    errors,
    print_json,
    signed_in,
    table,
)
from vulndesk.services.reports import oversight

oversight_app = typer.Typer(
    help="Headquarters oversight of government submissions.", invoke_without_command=True
)


def _late(delta: dt.timedelta) -> str:
    secs = int(delta.total_seconds())
    days, rem = divmod(secs, 86400)
    return f"{days}d {rem // 3600:02d}h {rem % 3600 // 60:02d}m"


@oversight_app.callback()
def oversight_view(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every government submission across all units."""
    if ctx.invoked_subcommand is not None:
        return
    who = signed_in()
    with errors():
        rows = oversight.government_submissions(deps(), who)
    if as_json:
        print_json([_submission_json(r) for r in rows])
        return
    table(
        "Government submissions",
        ["at", "case", "unit", "recipient", "kind", "classes", "approvers", "receipt", "flags"],
        [
            (
                r.at.isoformat(),
                r.case,
                r.unit,
                r.recipient,
                r.disclosure_kind,
                ",".join(r.classes),
                ",".join(r.approvers),
                r.receipt,
                _submission_flags(r),
            )
            for r in rows
        ],
    )


def _submission_json(r: oversight.Submission) -> dict[str, Any]:
    """One submission as the API gives it: how late as seconds, the backdate as a flag."""
    late = r.late_by
    row = {k: v for k, v in dataclasses.asdict(r).items() if k != "late_by"}
    return row | {
        "backdated": r.backdate_status is not None,
        "late_by_seconds": None if late is None else int(late.total_seconds()),
    }


def _submission_flags(r: oversight.Submission) -> str:
    flags = [f"backdated ({r.backdate_status})"] if r.backdate_status else []
    if r.late_by is not None:
        flags.append(f"met late ({_late(r.late_by)} late)")
    return "; ".join(flags)


@oversight_app.command("notices")
def oversight_notices(as_json: bool = typer.Option(False, "--json")) -> None:
    """Notices to headquarters: drafts to and submissions to governments."""
    who = signed_in()
    with errors():
        rows = oversight.notices(deps(), who)
    if as_json:
        print_json(rows)
        return
    table(
        "Headquarters notices",
        ["at", "case", "event", "draft"],
        [(n.created_at.isoformat(), n.case, n.event, n.draft_ref) for n in rows],
    )


@oversight_app.command("subscribe")
def oversight_subscribe(
    name: str = typer.Option(..., "--name"), email: str = typer.Option(..., "--email")
) -> None:
    """Subscribe someone at headquarters to the notices."""
    who = signed_in()
    with errors():
        found = oversight.subscribe(deps(), who, name, email)
    typer.echo(f"subscribed {found.email}")


@oversight_app.command("require-hq-approver")
def require_hq_approver(value: str = typer.Argument(..., help="on or off")) -> None:
    """Whether one of a draft's two approvers must belong to headquarters."""
    who = signed_in()
    with errors():
        if value not in ("on", "off"):
            raise InvalidInput("value", f"{value!r}", "on, off")
        oversight.set_require_hq(deps(), who, value == "on")
    typer.echo(f"require headquarters approver: {value}")

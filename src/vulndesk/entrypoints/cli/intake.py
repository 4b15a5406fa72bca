"""`vulndesk intake`: list public reports with duplicate suggestions; purge old receipts."""

from __future__ import annotations

import datetime as dt

import typer

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli.common import (
    deps,
    errors,
    operator,
    print_json,
    signed_in,
    table,
)
from vulndesk.services.intake import duplicates as intake_duplicates
from vulndesk.services.intake import receipts as intake_receipts

intake_app = typer.Typer(
    help="Public vulnerability reports and the receipt log.", no_args_is_help=True
)


@intake_app.command("list")
def list_cmd(
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Newest reports first, each with likely duplicates among existing cases (triage)."""
    with errors():
        rows = intake_duplicates.triage(deps(), signed_in(), limit)
    if as_json:
        print_json(
            [
                {
                    "tracking": r.tracking,
                    "case": r.case_key,
                    "channel": r.channel,
                    "product": r.product,
                    "received_at": r.received_at,
                    "duplicates": d,
                }
                for r, d in rows
            ]
        )
        return
    table(
        "Intake",
        ["tracking", "case", "channel", "received", "likely duplicates"],
        [
            (
                r.tracking,
                r.case_key,
                r.channel,
                r.received_at.isoformat(),
                ", ".join(s.case for s in d),
            )
            for r, d in rows
        ],
    )


@intake_app.command("purge-receipts")
def purge_cmd(
    before: str = typer.Option(..., "--before", help="YYYY-MM-DD (Asia/Shanghai)"),
) -> None:
    """Delete receipt-log entries older than a date; entries younger than 6 months are kept."""
    with errors():
        try:
            day = dt.date.fromisoformat(before)
        except ValueError as exc:
            raise InvalidInput("--before", f"{before!r} is not a date", "YYYY-MM-DD") from exc
        removed = intake_receipts.purge_receipts(deps(), operator(), day)
    typer.echo(f"removed {removed} receipt-log entries")

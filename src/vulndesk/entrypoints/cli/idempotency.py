"""`vulndesk idempotency`: purge stored responses of idempotent requests past their retention."""

from __future__ import annotations

import typer

from vulndesk.entrypoints.cli.common import deps, errors, operator
from vulndesk.services.intake import idempotency as intake_idempotency

idempotency_app = typer.Typer(
    help="Idempotency keys of API requests (kept at least 24 hours).", no_args_is_help=True
)


@idempotency_app.command("purge")
def purge_cmd(
    older_than_hours: int = typer.Option(
        intake_idempotency.MIN_HOURS,
        "--older-than-hours",
        help="delete keys stored longer ago than this (24 or more)",
    ),
) -> None:
    """Delete idempotency keys older than the given age; a retry with a purged key is new."""
    with errors():
        removed = intake_idempotency.purge_keys(deps(), operator(), older_than_hours)
    typer.echo(f"removed {removed} idempotency keys")

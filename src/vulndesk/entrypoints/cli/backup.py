"""`vulndesk backup FILE` and `vulndesk restore FILE`: operator commands, run on the host."""

from __future__ import annotations

from pathlib import Path

import typer

from vulndesk.entrypoints.cli.common import container, errors


def backup_command(
    file: Path = typer.Argument(..., help="The backup file to write (never overwritten)"),
) -> None:
    """Write a consistent online snapshot of the database (fields stay encrypted) and the
    newest signed audit checkpoint to FILE (mode 0600)."""
    c = container()
    with errors():
        summary = c.backup(file)
    cp = summary.checkpoint
    typer.echo(
        f"backup written: {file} ({summary.rows} rows in {summary.tables} tables,"
        f" {summary.engine}, schema {summary.revision})"
    )
    if cp is None:
        typer.echo(
            "warning: no audit checkpoint found to include (run `vulndesk worker` with"
            " VULNDESK_CHECKPOINT_KEY, or `vulndesk audit checkpoint --write`)",
            err=True,
        )
    else:
        typer.echo(f"audit checkpoint included: seq {cp['seq']} signed at {cp['at']}")


def restore_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A `vulndesk backup` file"),
) -> None:
    """Restore FILE into a new, empty database (the same keyring must be configured), then
    put its audit checkpoint in the checkpoint directory; run `vulndesk audit verify` next."""
    c = container()
    with errors():
        summary = c.restore(file)
    typer.echo(
        f"restored: {summary.rows} rows in {summary.tables} tables"
        f" (from {summary.engine}, schema {summary.revision})"
    )
    if summary.checkpoint is not None:
        typer.echo(f"audit checkpoint restored: seq {summary.checkpoint['seq']}")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)

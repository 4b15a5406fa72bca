"""`vulndesk audit`: verify the hash chain, sign checkpoints, show the signing public key."""

from __future__ import annotations

from pathlib import Path

import typer

from vulndesk.entrypoints.cli.common import allowed, container, deps, errors, print_json, table
from vulndesk.services import audit_tools
from vulndesk.services.access import AUDIT_READERS

audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)


@audit_app.command("verify")
def verify_cmd(
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="A signed checkpoint JSON file"
    ),
    public_key: str = typer.Option(
        "", "--public-key", help="Trusted key (base64); default: this desk's"
    ),
) -> None:
    """Walk the chain; exit 1 and name the first bad position when it does not verify."""
    with errors():
        if checkpoint is None:
            result = audit_tools.verify(deps())
        else:
            cp = audit_tools.load_checkpoint(checkpoint.read_text(encoding="utf-8"))
            trusted = public_key or audit_tools.public_key_text(container().settings.home)
            result = audit_tools.verify_checkpoint(deps(), cp, trusted)
    if result.ok:
        typer.echo(f"OK: {result.checked} events, head {result.head}")
        return
    typer.echo(f"FAILED at seq {result.first_bad}: {result.problem}", err=True)
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint_cmd() -> None:
    """Print an Ed25519-signed checkpoint {seq, hash, at, key_id, signature} of the chain head."""
    with errors():
        print_json(audit_tools.checkpoint(deps(), container().settings.home))


@audit_app.command("public-key")
def public_key_cmd() -> None:
    """Print the checkpoint signing public key (raw Ed25519, base64)."""
    typer.echo(audit_tools.public_key_text(container().settings.home))


@audit_app.command("list")
def list_cmd(
    start: int = typer.Option(1, "--from", min=1, help="First seq"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Audit events in chain order, from a seq on (auditors and admins)."""
    allowed(AUDIT_READERS)
    with errors():
        events = audit_tools.list_events(deps(), start, limit)
    if as_json:
        print_json(events)
        return
    rows = [
        (e.seq, e.event.at.isoformat(), e.event.actor, e.event.tag, e.event.object_id)
        for e in events
    ]
    table("Audit", ["seq", "at", "actor", "tag", "object"], rows)

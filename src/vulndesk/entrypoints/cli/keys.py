"""`vulndesk keys`: rotate the field-encryption keyring; create the checkpoint signing key."""

from __future__ import annotations

from pathlib import Path

import typer

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli.common import container, deps, errors, operator, print_json
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.audit import keys

keys_app = typer.Typer(
    help="The field-encryption keyring and the checkpoint signing key.", no_args_is_help=True
)


@keys_app.command("checkpoint-init")
def checkpoint_init_cmd(
    out: Path | None = typer.Option(
        None, "--out", help="Where to create the key (default: VULNDESK_CHECKPOINT_KEY)"
    ),
) -> None:
    """Create the Ed25519 key audit checkpoints are signed with; prints its public key."""
    with errors():
        path = out or container().settings.checkpoint_key
        if path is None:
            raise InvalidInput(
                "--out", "no key file named", "--out FILE, then VULNDESK_CHECKPOINT_KEY=FILE"
            )
        public = audit_tools.init_signing_key(path)
    typer.echo(public)
    typer.echo(f"created {path} (mode 0600); set VULNDESK_CHECKPOINT_KEY={path}", err=True)


@keys_app.command("rotate")
def rotate_cmd(
    drop_old: bool = typer.Option(
        False, "--drop-old", help="Remove old keys once no ciphertext uses them"
    ),
    batch: int = typer.Option(200, "--batch", min=1, max=10_000),
) -> None:
    """Safe while the service runs: rows are re-encrypted in small transactions."""
    settings = container().settings
    if settings.keys_json:
        typer.echo("error: the keyring comes from VULNDESK_KEYS; rotate needs a key file", err=True)
        raise typer.Exit(2)
    with errors():
        result = keys.rotate(
            deps(), operator(), str(settings.effective_key_file), batch=batch, drop_old=drop_old
        )
    print_json(result)

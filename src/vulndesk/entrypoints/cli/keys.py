"""`vulndesk keys rotate`: a new current key, every ciphertext re-encrypted under it."""

from __future__ import annotations

import typer

from vulndesk.entrypoints.cli.common import container, deps, errors, operator, print_json
from vulndesk.services import keys

keys_app = typer.Typer(help="The field-encryption keyring.", no_args_is_help=True)


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

"""`vulndesk audit`: verify the hash chain, sign checkpoints, show the signing public key."""

from __future__ import annotations

from pathlib import Path

import typer

from vulndesk.domain.audit import VerifyResult
from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli.common import (
    container,
    deps,
    errors,
    print_json,
    signed_in,
    table,
)
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.audit import trail as audit_trail

audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)


@audit_app.command("verify")
def verify_cmd(
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="One signed checkpoint JSON file (default: the newest one)"
    ),
    checkpoints: Path | None = typer.Option(
        None, "--checkpoints", help="Directory of checkpoints (default: VULNDESK_CHECKPOINT_DIR)"
    ),
    public_key: str = typer.Option(
        "", "--public-key", help="Trusted public key: a file, or the base64 text itself"
    ),
    no_checkpoint: bool = typer.Option(
        False, "--no-checkpoint", help="Skip the checkpoint (chain, head and evidence only)"
    ),
) -> None:
    """Walk the chain, the stored head and every evidence row, then the newest checkpoint;
    exit 1 and name the first bad position or row."""
    with errors():
        result = _verify(checkpoint, checkpoints, public_key, no_checkpoint)
    if result.ok:
        typer.echo(f"OK: {result.checked} events, head {result.head}")
        return
    where = f" at seq {result.first_bad}" if result.first_bad is not None else ""
    typer.echo(f"FAILED{where}: {result.problem}", err=True)
    raise typer.Exit(1)


def _verify(
    checkpoint: Path | None, directory: Path | None, public_key: str, skip: bool
) -> VerifyResult:
    settings = container().settings
    if skip:
        return audit_tools.verify(deps())
    trusted = _trusted(public_key)
    folder = directory or settings.effective_checkpoint_dir
    cp = (
        audit_tools.load_checkpoint(checkpoint.read_text(encoding="utf-8"))
        if checkpoint is not None
        else audit_tools.newest_checkpoint(folder)
    )
    if trusted is None:
        typer.echo(
            "warning: no checkpoint checked: no key configured (VULNDESK_CHECKPOINT_KEY, or"
            " --public-key FILE); --no-checkpoint skips it explicitly",
            err=True,
        )
        return audit_tools.verify(deps())
    if cp is None:
        result = audit_tools.verify(deps())
        if not result.ok:
            return result
        problem = (
            f"no checkpoint in {folder}: the chain's end cannot be checked"
            " (run `vulndesk worker`, or pass --no-checkpoint)"
        )
        return VerifyResult(False, result.checked, None, problem, result.head)
    return audit_tools.verify_checkpoint(deps(), cp, trusted)


def _trusted(public_key: str) -> str | None:
    if public_key:
        path = Path(public_key)
        text = path.read_text(encoding="utf-8") if path.is_file() else public_key
        return audit_tools.read_public_key(text)
    key = container().settings.checkpoint_key
    return None if key is None else audit_tools.public_key_text(key)


def _key() -> Path:
    key = container().settings.checkpoint_key
    if key is None:
        raise InvalidInput(
            audit_tools.KEY_SETTING,
            "no checkpoint signing key is configured",
            "`vulndesk keys checkpoint-init --out FILE`, then VULNDESK_CHECKPOINT_KEY=FILE",
        )
    return key


@audit_app.command("checkpoint")
def checkpoint_cmd(
    write: bool = typer.Option(False, "--write", help="Also store it in the checkpoint directory"),
) -> None:
    """Print an Ed25519-signed checkpoint {seq, hash, at, key_id, signature} of the chain head."""
    with errors():
        cp = audit_tools.checkpoint(deps(), _key())
        if write:
            audit_tools.write_checkpoint(cp, container().settings.effective_checkpoint_dir)
    print_json(cp)


@audit_app.command("public-key")
def public_key_cmd() -> None:
    """Print the checkpoint signing public key (raw Ed25519, base64)."""
    with errors():
        typer.echo(audit_tools.public_key_text(_key()))


@audit_app.command("list")
def list_cmd(
    start: int = typer.Option(1, "--from", min=1, help="First seq"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Audit events in chain order, from a seq on (auditors and admins)."""
    with errors():
        events = audit_trail.events(deps(), signed_in(), start, limit)
    if as_json:
        print_json(events)
        return
    rows = [
        (e.seq, e.event.at.isoformat(), e.event.actor, e.event.tag, e.event.object_id)
        for e in events
    ]
    table("Audit", ["seq", "at", "actor", "tag", "object"], rows)

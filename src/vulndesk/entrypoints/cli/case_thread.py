"""CLI commands for the reporter's thread of a case: read it (audited) and reply to the
reporter, who gets the reply by mail when they gave an address."""

from __future__ import annotations

import sys

import typer

from vulndesk.entrypoints.cli.cases import case_app
from vulndesk.entrypoints.cli.common import deps, errors, fail, print_json, signed_in, table
from vulndesk.services.intake import thread as case_intake


@case_app.command("thread")
def case_thread(key: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """The reporter's thread of a case: messages both ways and attachments (read audited)."""
    with errors():
        found = case_intake.thread(deps(), signed_in(), key)
    if found is None:
        if as_json:
            print_json({"tracking": None, "messages": [], "attachments": []})
        else:
            typer.echo(f"{key}: did not come from a public report, no thread")
        return
    if as_json:
        print_json(found)
        return
    rows = [(m.at.isoformat(timespec="minutes"), m.author, m.body) for m in found.messages]
    table(f"Thread of {key} ({found.tracking})", ["at", "from", "message"], rows)
    for a in found.attachments:
        typer.echo(f"attachment: {a.name} ({a.media_type}, {a.size} bytes, sha256 {a.sha256})")


@case_app.command("reply")
def case_reply(
    key: str,
    message_stdin: bool = typer.Option(
        False, "--message-stdin", help="Read the reply from standard input (required)"
    ),
) -> None:
    """Reply to the reporter of a case; mailed to them when they gave an address."""
    if not message_stdin:
        fail("--message-stdin: the reply is read from standard input; pass --message-stdin")
    body = sys.stdin.read()
    with errors():
        case_intake.reply(deps(), signed_in(), key, body)
    typer.echo(f"{key}: reply sent")

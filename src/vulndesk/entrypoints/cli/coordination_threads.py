"""`vulndesk coord thread`: post to, read and list the shared and private threads, and save a
message's file."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import typer

from vulndesk.entrypoints.cli import coordination_remote as via_server
from vulndesk.entrypoints.cli import remote
from vulndesk.entrypoints.cli.common import (
    deps,
    errors,
    fail,
    print_json,
    signed_in,
    table,
)
from vulndesk.entrypoints.cli.coordination_apps import (
    JSON,
    thread_app,
)
from vulndesk.services.coordination import (
    threads,
)
from vulndesk.services.notify import coord_mail


@thread_app.command("post")
def thread_post(
    case: str,
    thread: str = typer.Option("shared", "--thread", help="shared, or a participant id"),
    message_stdin: bool = typer.Option(
        False, "--message-stdin", help="Read the message from standard input (required)"
    ),
    attach: list[Path] = typer.Option(
        [], "--attach", help="Repeat: a file to attach (at most 5; 10 MB each)"
    ),
) -> None:
    """Post to the shared thread or a participant's private thread, with files attached."""
    if not message_stdin:
        fail("--message-stdin: the message is read from standard input; pass --message-stdin")
    files = []
    for path in attach:
        try:
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            fail(f"--attach: cannot read {path}: {exc.strerror}; name a readable file")
    body = sys.stdin.read()
    if remote.active():
        posted = via_server.post(case, thread, body, files)
    else:
        with errors():
            posted = threads.post(deps(), signed_in(), case, thread, body, files)
    typer.echo(
        f"{case}: message {posted.message.id} posted to {thread}; "
        f"ledger {', '.join(posted.ledger) or '-'}"
    )
    for f in posted.message.files:
        typer.echo(f"  attached {f.name} ({f.size} bytes) sha256 {f.sha256}")


@thread_app.command("attachment")
def thread_attachment(
    case: str,
    message: int,
    sha256: str,
    thread: str = typer.Option("shared", "--thread", help="shared, or a participant id"),
    out: Path = typer.Option(..., "--out", help="Where to write the file"),
) -> None:
    """Save a file attached to a thread message (the download is audited)."""
    if remote.active():
        fail(
            "attachment: not available through a server yet; "
            f"GET /api/v1/cases/{case}/coordination/threads/{thread}/messages/{message}"
            f"/attachments/{sha256}"
        )
    with errors():
        f, content = threads.file(deps(), signed_in(), case, thread, message, sha256)
    out.write_bytes(content)
    typer.echo(f"{f.name} ({f.size} bytes, {f.media_type}) saved to {out}")


@thread_app.command("read")
def thread_read(
    case: str,
    thread: str = typer.Option("shared", "--thread", help="shared, or a participant id"),
    limit: int = typer.Option(200, "--limit"),
    as_json: bool = JSON,
) -> None:
    """The newest messages of a thread, oldest first (the read is audited and marks the
    thread read for you)."""
    if remote.active():
        found = via_server.read(case, thread, limit)
    else:
        with errors():
            found = threads.read(deps(), signed_in(), case, thread, limit)
    if as_json:
        print_json([asdict(m) | {"mentions": list(coord_mail.mentions(m.body))} for m in found])
        return
    table(
        f"Thread {thread} of {case}",
        ["at", "from", "message", "mentions"],
        [
            (m.at.isoformat(timespec="minutes"), m.author,
             m.body + "".join(f"\n[{f.name} sha256 {f.sha256}]" for f in m.files),
             " ".join(f"@{n}" for n in coord_mail.mentions(m.body)))
            for m in found
        ],
    )  # fmt: skip


@thread_app.command("list")
def thread_list(case: str, as_json: bool = JSON) -> None:
    """The shared thread and each participant's, with sizes and what you have not read."""
    with errors():
        found = threads.thread_states(deps(), signed_in(), case)
    if as_json:
        print_json(
            [
                {"thread": t.name, "count": t.count, "last_at": t.last_at, "unread": t.unread}
                for t in found
            ]
        )
        return
    table(
        f"Threads of {case}",
        ["thread", "messages", "last", "unread"],
        [
            (t.name, t.count, t.last_at.isoformat(timespec="minutes") if t.last_at else "-",
             t.unread)
            for t in found
        ],
    )  # fmt: skip

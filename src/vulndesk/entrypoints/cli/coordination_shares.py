"""`vulndesk coord suggest`, `share`, `party-purls` and `trace`: whom to invite and why, sending
a participant its watermarked shared view, and finding whose copy a leaked text is."""

from __future__ import annotations

import sys

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
    coord_app,
)
from vulndesk.services.coordination import (
    participants,
    suggest,
    watermark,
)


@coord_app.command("suggest")
def suggest_cmd(case: str, as_json: bool = JSON) -> None:
    """Whom to invite, from SBOMs, suppliers and declared package URLs, and why."""
    if remote.active():
        found = via_server.suggestions(case)
    else:
        with errors():
            found = suggest.suggestions(deps(), signed_in(), case)
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo(f"{case}: no suggestions")
    for s in found:
        mark = " (already invited)" if s.invited else ""
        typer.echo(f"{s.party} ({s.name}) as {s.role.value}{mark}")
        for r in s.reasons:
            typer.echo(f"  - {r}")


@coord_app.command("share")
def share_cmd(
    case: str,
    participant: int = typer.Option(..., "--participant"),
    preview: bool = typer.Option(False, "--preview", help="Show, send nothing"),
    format: str = typer.Option(
        "text", "--format", help="With --preview: the document as text or json"
    ),
    as_json: bool = JSON,
) -> None:
    """Send a participant the case's shared view, redacted by its disclosure policy and
    watermarked for its people (a visible line and an invisible mark)."""
    if format not in watermark.FORMATS:
        fail(f"--format: {format!r} is not a format; use text or json")
    ref: str | None = None
    if remote.active() and preview:
        view = via_server.preview(case, participant, format)
    elif remote.active():
        view, ref = via_server.share(case, participant)
    else:
        with errors():
            if preview:
                view = participants.shared_view(deps(), signed_in(), case, participant, format)
            else:
                view, entry = participants.share(deps(), signed_in(), case, participant)
                ref = entry.ref
    if as_json:
        print_json({"view": view, "ledger": ref})
        return
    _print_share(view.stamped, ref)


def _print_share(stamped: str, ref: str | None) -> None:
    typer.echo(stamped, nl=not stamped.endswith("\n"))
    if ref:
        typer.echo(f"recorded in the ledger as {ref}")


@coord_app.command("party-purls")
def party_purls(
    party: str,
    purl: list[str] = typer.Option([], "--purl", help="Repeat: a package URL the party makes"),
) -> None:
    """Declare the package URLs a party makes (replaces its list; none clears it)."""
    if remote.active():
        saved = via_server.set_party_purls(party, purl)
    else:
        with errors():
            saved = participants.set_party_purls(deps(), signed_in(), party, purl)
    typer.echo(f"{party}: {len(saved)} package URLs")


@coord_app.command("trace")
def trace_cmd(
    source: str = typer.Argument(..., help="A file holding the leaked text, or - for stdin"),
    as_json: bool = JSON,
) -> None:
    """Whose copy a leaked text is: the watermark it carries (of cases you may see)."""
    text = _read_source(source)
    if remote.active():
        _print_trace(via_server.trace(text), as_json)
        return
    with errors():
        found = watermark.trace(deps(), signed_in(), text)
    _print_trace([_found_dict(f) for f in found], as_json)


def _read_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8", errors="replace") as handle:
            return handle.read(watermark.MAX_TRACE_CHARS + 1)
    except OSError as exc:
        fail(f"FILE: cannot read {source}: {exc.strerror}; give a readable file or - for stdin")


def _found_dict(f: watermark.Found) -> dict[str, object]:
    m = f.mark
    return {
        "case": m.case,
        "participant": m.participant,
        "party": m.party,
        "recipient": m.recipient,
        "kind": m.kind,
        "at": m.at.isoformat(),
        "by": m.by,
        "ref": m.ref,
        "document_sha256": m.document_sha256,
        "found_by": f.how,
    }


def _print_trace(found: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        print_json({"found": found})
        return
    if not found:
        typer.echo("no watermark found")
        return
    table(
        "Watermarks found",
        ["ref", "case", "participant", "recipient", "issued", "kind", "found by"],
        [
            (
                f["ref"],
                f["case"],
                f"{f['participant']} ({f['party']})",
                f["recipient"],
                f"{f['at']} by {f['by']}",
                f["kind"],
                f["found_by"],
            )
            for f in found
        ],
    )

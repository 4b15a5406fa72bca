"""CLI for the disclosure ledger: every disclosure to anyone, recorded, shown and exported."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from vulndesk.domain.ledger import LedgerEntry
from vulndesk.entrypoints.cli.common import (
    LATE_JUSTIFICATION,
    console,
    deps,
    errors,
    print_json,
    signed_in,
    table,
)
from vulndesk.services.access import ledger as access_ledger
from vulndesk.services.disclosure import claims, ledger

ledger_app = typer.Typer(
    help="The disclosure ledger: every disclosure to anyone.", no_args_is_help=True
)


def backdate_note(entry: LedgerEntry) -> str:
    if not entry.backdate_pending:
        return ""
    return (
        f"; backdated, pending: it meets no obligation until a second person runs "
        f"`vulndesk ledger approve-backdate {entry.id}`"
    )


def _backdated(row: dict[str, Any]) -> str:
    return f"backdated ({row['backdate_status']})" if row["backdated"] else ""


@ledger_app.command("list")
def ledger_list(
    case: str | None = typer.Option(None, "--case"), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Disclosures you may see, oldest first."""
    who = signed_in()
    with errors():
        rows = [ledger.export_row(e) for e in access_ledger.entries(deps(), who, case)]
    if as_json:
        print_json(rows)
        return
    table(
        "Disclosure ledger",
        [
            "id",
            "at (claimed)",
            "recorded at",
            "case",
            "kind",
            "recipient",
            "classes",
            "receipt",
            "",
        ],
        [
            (
                r["id"],
                r["at"],
                r["recorded_at"],
                r["case"],
                r["disclosure_kind"],
                r["recipient"],
                ",".join(r["classes"]),
                r["receipt"],
                _backdated(r),
            )
            for r in rows
        ],
    )


@ledger_app.command("show")
def ledger_show(
    entry_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """One disclosure; with the exact content sent (an audited read) when you see the case."""
    who = signed_in()
    with errors():
        entry, sees_case = access_ledger.entry(deps(), who, entry_id)
    row = ledger.export_row(entry) | {
        "content": entry.entry.content if sees_case else None,
        "backdate_justification": (
            entry.backdate.justification if sees_case and entry.backdate else None
        ),
    }
    if as_json:
        print_json(row)
    else:
        console.print(row)


@ledger_app.command("record")
def ledger_record(
    case: str = typer.Argument(...),
    recipient: str = typer.Option(..., "--recipient"),
    kind: str = typer.Option(..., "--kind", help=", ".join(ledger.MANUAL_KINDS)),
    at: str = typer.Option(..., "--at"),
    said: str = typer.Option(..., "--said", help="What was disclosed"),
    channel: str = typer.Option("phone", "--channel", help=", ".join(ledger.CHANNELS)),
    field: list[str] = typer.Option([], "--field", help="Repeat: detail field disclosed"),
    justification: str | None = LATE_JUSTIFICATION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record a disclosure made outside vulndesk (a phone call, a meeting)."""
    with errors():
        entry = ledger.record_disclosure(
            deps(), signed_in(), case, recipient, kind, at, said, channel, field, justification
        )
    if as_json:
        print_json(ledger.export_row(entry))
    else:
        typer.echo(f"recorded {entry.ref}" + backdate_note(entry))


@ledger_app.command("approve-backdate")
def ledger_approve_backdate(
    entry_id: int = typer.Argument(..., metavar="ENTRY"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Approve a backdated entry's justification as the second person (not its recorder)."""
    with errors():
        entry = claims.approve_backdate(deps(), signed_in(), entry_id)
    if as_json:
        print_json(ledger.export_row(entry))
    else:
        typer.echo(
            f"approved the backdate of {entry.ref}; approvers: {', '.join(entry.backdate_approvers)}"
        )


@ledger_app.command("export")
def ledger_export(
    case: str | None = typer.Option(None, "--case"), as_json: bool = typer.Option(True, "--json")
) -> None:
    """JSON lines: one disclosure per line, with the SHA-256 of what was sent (no content)."""
    who = signed_in()
    with errors():
        for e in access_ledger.entries(deps(), who, case):
            sys.stdout.write(
                json.dumps(ledger.export_row(e), ensure_ascii=False, sort_keys=True) + "\n"
            )

"""`vulndesk notify`: who must be told of a case, subscriptions, and queueing the notices."""

from __future__ import annotations

import dataclasses

import typer

from vulndesk.entrypoints.cli.common import deps, errors, print_json, signed_in, table
from vulndesk.services.notify import notices as notifications

notify_app = typer.Typer(
    help="Notices to users, downstream makers, upstream suppliers and CSIRTs.",
    no_args_is_help=True,
)


@notify_app.command("subscribe")
def subscribe(
    product: str,
    party: str,
    versions: list[str] = typer.Option([], "--versions", help="Repeat; none means all versions"),
    role: str | None = typer.Option(None, "--role", help="customer or downstream_maker"),
) -> None:
    """Tell PARTY (a customer or downstream maker) about vulnerabilities in PRODUCT."""
    with errors():
        rec = notifications.subscribe(deps(), signed_in(), product, party, versions, role)
    scope = ", ".join(rec.versions) or "all versions"
    typer.echo(f"{rec.party} ({rec.role}) receives notices about {rec.product} ({scope})")


@notify_app.command("recipients")
def recipients(
    product: str | None = typer.Argument(None), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Subscriptions of customers and downstream makers to products."""
    with errors():
        items = notifications.recipients(deps(), signed_in(), product)
    if as_json:
        print_json({"recipients": items})
        return
    table(
        "Product recipients",
        ["product", "party", "role", "versions", "by"],
        [(r.product, r.party, r.role, ", ".join(r.versions) or "all", r.created_by) for r in items],
    )


@notify_app.command("plan")
def plan(case: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Who must be told of CASE: recipient, channel, notice kind, obligations each would meet."""
    with errors():
        items = notifications.plan(deps(), signed_in(), case)
    if as_json:
        print_json({"case": case, "notices": [dataclasses.asdict(p) for p in items]})
        return
    table(
        f"Notices for {case}",
        ["kind", "recipient", "language", "channel", "meets", "why", "blocked"],
        [
            (
                p.kind,
                f"{p.party} ({p.party_kind})",
                p.language,
                f"{p.channel}: {p.address}" if p.channel else "-",
                ", ".join(p.obligations) or "-",
                p.why,
                p.blocked or "",
            )
            for p in items
        ],
    )


@notify_app.command("send")
def send(
    case: str,
    kind: str | None = typer.Option(None, "--kind", help="users, downstream, upstream or csirt"),
    recipient: str | None = typer.Option(None, "--recipient", help="One party id"),
) -> None:
    """Freeze and queue the notices of CASE; the worker sends them and records each in the ledger."""
    with errors():
        items = notifications.send(deps(), signed_in(), case, kind, recipient)
    for q in items:
        if q.blocked:
            typer.echo(f"blocked  {q.kind:<10} {q.party}: {q.blocked}")
        else:
            state = "queued " if q.new else "already"
            typer.echo(f"{state}  {q.kind:<10} {q.party} via {q.channel}")


@notify_app.command("list")
def list_messages(case: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Notices queued for CASE, with when each was sent (content stays in the ledger)."""
    with errors():
        items = notifications.messages(deps(), signed_in(), case)
    rows = [
        {
            "kind": m.kind,
            "recipient": m.party,
            "channel": m.channel,
            "sha256": m.sha256,
            "queued_at": m.created_at,
            "sent_at": m.sent_at,
            "ledger": m.ledger_id,
        }
        for m in items
    ]
    if as_json:
        print_json({"case": case, "notices": rows})
        return
    table(
        f"Notices of {case}",
        ["kind", "recipient", "channel", "sha256", "queued", "sent"],
        [
            (
                m.kind,
                m.party,
                m.channel,
                m.sha256[:12],
                m.created_at.isoformat(timespec="seconds"),
                m.sent_at.isoformat(timespec="seconds") if m.sent_at else "pending",
            )
            for m in items
        ],
    )

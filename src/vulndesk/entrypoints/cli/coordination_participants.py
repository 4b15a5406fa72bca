"""`vulndesk coord participants`, `coord invite` and `coord status`: the organisations taking
part in a case and their per-product statuses (approved by a second person before they are
shared)."""

from __future__ import annotations

import typer

from vulndesk.entrypoints.cli import coordination_remote as via_server
from vulndesk.entrypoints.cli import remote
from vulndesk.entrypoints.cli.common import (
    container,
    deps,
    errors,
    print_json,
    signed_in,
    table,
)
from vulndesk.entrypoints.cli.coordination_apps import (
    JSON,
    coord_app,
    participants_app,
    status_app,
)
from vulndesk.services.coordination import (
    invitations,
    participants,
    statuses,
)


@participants_app.command("add")
def participants_add(
    case: str,
    party: str = typer.Option(..., "--party", help="The party id (vulndesk party list)"),
    role: str = typer.Option(
        ...,
        "--role",
        help="upstream_supplier, downstream_maker, coordinator, finder or customer",
    ),
    person: list[str] = typer.Option(
        [], "--person", help='Repeat: "Name <address>" of a person of the participant'
    ),
    as_json: bool = JSON,
) -> None:
    """Invite an organisation to the case (nothing is sent until you share)."""
    if remote.active():
        added = via_server.invite(case, party, role, person)
    else:
        with errors():
            added = participants.invite(deps(), signed_in(), case, party, role, person)
    if as_json:
        print_json(added)
        return
    typer.echo(f"{case}: participant {added.id} {added.party} ({added.role.value})")


@coord_app.command("invite")
def invite_cmd(
    case: str,
    participant: int = typer.Option(..., "--participant", help="The participant id"),
    email: str = typer.Option(..., "--email", help="One of the participant's people"),
    name: str | None = typer.Option(None, "--name", help="Account name (default: derived)"),
    as_json: bool = JSON,
) -> None:
    """Give a participant's person an account of its own and a one-time link to sign in.

    The link is printed once here and mailed to the person; it works once, for 7 days.
    """
    with errors():
        made = invitations.invite_person(deps(), signed_in(), case, participant, email, name)
        url = invitations.link(container().settings.public_url, made.token)
    if as_json:
        print_json(
            {
                "user": made.user,
                "email": made.email,
                "case": made.case,
                "participant": made.participant,
                "party": made.party,
                "link": url,
                "expires_at": made.expires_at,
                "account_created": made.account_created,
            }
        )
        return
    state = "new account" if made.account_created else "existing account"
    typer.echo(f"{case}: {made.user} ({state}) speaks for participant {made.participant}")
    typer.echo(f"one-time link (shown once, also mailed to {made.email}):")
    typer.echo(url)
    typer.echo(f"valid until {made.expires_at.isoformat(timespec='minutes')}")


@participants_app.command("list")
def participants_list(case: str, as_json: bool = JSON) -> None:
    """The participants of a case."""
    if remote.active():
        rows = via_server.participant_rows(case)
    else:
        with errors():
            rows = participants.participants(deps(), signed_in(), case)
    if as_json:
        print_json(rows)
        return
    table(
        f"Participants of {case}",
        ["id", "party", "kind", "country", "role", "people", "invited"],
        [
            (
                r.participant.id,
                f"{r.participant.party} ({r.party_name})",
                r.party_kind,
                r.country,
                r.participant.role.value,
                ", ".join(f"{p.name} <{p.address}>" for p in r.participant.people),
                r.participant.invited_at.isoformat(timespec="minutes"),
            )
            for r in rows
        ],
    )


@status_app.command("set")
def status_set(
    case: str,
    participant: int = typer.Option(..., "--participant", help="The participant id"),
    product: str = typer.Option(..., "--product", help="A product id or package URL"),
    status: str = typer.Option(
        ..., "--status", help="affected, not_affected, under_investigation or fixed"
    ),
    statement: str = typer.Option(..., "--statement", help="What the participant said"),
    justification: str | None = typer.Option(
        None, "--justification", help="not_affected only: the VEX justification"
    ),
    fixed: list[str] = typer.Option([], "--fixed", help="fixed only; repeat: a fixing version"),
    as_json: bool = JSON,
) -> None:
    """Record a participant's status of a product; a second person approves it."""
    if remote.active():
        saved = via_server.record(
            case, participant, product, status, statement, justification, fixed
        )
    else:
        with errors():
            saved = statuses.record(
                deps(), signed_in(), case, participant, product, status, statement,
                justification, fixed,
            )  # fmt: skip
    if as_json:
        print_json(saved)
        return
    typer.echo(
        f"{case}: statement {saved.id} recorded ({saved.status.value}); "
        f"approve it: vulndesk coord status approve {case} {saved.id}"
    )


@status_app.command("approve")
def status_approve(case: str, statement: int, as_json: bool = JSON) -> None:
    """Approve a statement for sharing (not the person who recorded it)."""
    if remote.active():
        saved = via_server.approve(case, statement)
    else:
        with errors():
            saved = statuses.approve(deps(), signed_in(), case, statement)
    if as_json:
        print_json(saved)
        return
    typer.echo(f"{case}: statement {saved.id} approved ({saved.status.value})")


@status_app.command("list")
def status_list(case: str, as_json: bool = JSON) -> None:
    """Every participant and product: the approved status, or no answer since the invitation."""
    if remote.active():
        found = via_server.board(case)
    else:
        with errors():
            found = statuses.status_board(deps(), signed_in(), case)
    if as_json:
        print_json(found)
        return
    rows = []
    for c in found.cells:
        said = c.status.value.replace("_", " ")
        if c.silent:
            said = f"no answer since {c.since.isoformat(timespec='minutes')}"
        extra = ""
        if c.current is not None and c.current.justification is not None:
            extra = c.current.justification.value
        if c.current is not None and c.current.fixed_versions:
            extra = "fixed in " + ", ".join(c.current.fixed_versions)
        pending = f"{c.pending.id}: {c.pending.status.value}" if c.pending else ""
        rows.append((c.participant, c.product, said, extra, pending))
    table(
        f"Statuses of {case}",
        ["participant", "product", "status", "detail", "waiting for approval"],
        rows,
    )

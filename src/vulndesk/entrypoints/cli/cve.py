"""CLI for a case's CVE ids at CVE Services: reserve, list, attach, publish, update, reject.

Every command acts as the signed-in account (`vulndesk login`); the services check roles and
need-to-know themselves. CVE Services is reached with VULNDESK_CVE_* (the API key from
VULNDESK_CVE_API_KEY or VULNDESK_CVE_API_KEY_FILE).
"""

from __future__ import annotations

import typer

from vulndesk.entrypoints.cli.common import container, deps, errors, print_json, signed_in, table
from vulndesk.services.advisories import cve

cve_app = typer.Typer(
    help="A case's CVE ids at CVE Services (reserve, publish, update, reject).",
    no_args_is_help=True,
)


@cve_app.command("reserve")
def reserve(
    case: str,
    year: int | None = typer.Option(None, "--year", help="Year of the ids (default: this year)"),
    amount: int = typer.Option(1, "--amount", help=f"How many ids (1-{cve.MAX_AMOUNT})"),
) -> None:
    """Reserve CVE ids for the case at CVE Services."""
    p = signed_in()
    c = container()
    with errors():
        made = cve.reserve(deps(), p, c.cve_services, case, amount, year)
    for r in made:
        typer.echo(f"reserved {r.cve_id} for {r.case}")


@cve_app.command("list")
def list_(case: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """The case's CVE ids and their state (reserved, published, rejected)."""
    p = signed_in()
    with errors():
        found = cve.list_ids(deps(), p, case)
    if as_json:
        print_json([cve.record_fields(r) for r in found])
        return
    rows = [
        (
            r.cve_id,
            r.state.value,
            r.reserved_by,
            r.published_by or "",
            r.rejected_by or "",
            r.reason or "",
        )
        for r in found
    ]
    table("CVE ids", ("id", "state", "reserved by", "published by", "rejected by", "reason"), rows)


@cve_app.command("attach")
def attach(case: str, cve_id: str) -> None:
    """Name the id in the case's advisory (a new revision to approve)."""
    p = signed_in()
    with errors():
        r = cve.attach(deps(), p, case, cve_id)
    typer.echo(f"{cve_id.upper()} attached: {r.ref} (approve it before publishing)")


@cve_app.command("publish")
def publish(case: str, cve_id: str) -> None:
    """Publish the CVE record of a reserved id from the approved advisory."""
    p = signed_in()
    c = container()
    with errors():
        r, ref = cve.publish(deps(), p, c.advisory_setup, c.cve_services, case, cve_id)
    typer.echo(f"published {r.cve_id} at CVE Services; ledger entry {ref}")


@cve_app.command("update")
def update(case: str, cve_id: str) -> None:
    """Send the newest approved advisory revision as the published record's update."""
    p = signed_in()
    c = container()
    with errors():
        r, ref = cve.update(deps(), p, c.advisory_setup, c.cve_services, case, cve_id)
    typer.echo(f"updated {r.cve_id} at CVE Services; ledger entry {ref}")


@cve_app.command("reject")
def reject(
    case: str,
    cve_id: str,
    reason: str = typer.Option(..., "--reason", help="Why the id is rejected (published)"),
) -> None:
    """Reject a reserved id or a published record, with the reason CVE Services publishes."""
    p = signed_in()
    c = container()
    with errors():
        r = cve.reject(deps(), p, c.advisory_setup, c.cve_services, case, cve_id, reason)
    typer.echo(f"rejected {r.cve_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(cve_app, name="cve")

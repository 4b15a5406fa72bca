"""CLI commands for case work: edit fields with history, product suggestions and links, the
triage queue of reports without a product, bulk assign and transition."""

from __future__ import annotations

import typer

from vulndesk.entrypoints.cli.cases import case_app
from vulndesk.entrypoints.cli.common import deps, errors, print_json, signed_in, table
from vulndesk.services.cases import bulk, editing, linking
from vulndesk.services.cases.bulk import BulkResult

_EDIT_HELP = "Leave out to keep; '' clears"


@case_app.command("edit")
def case_edit(
    key: str,
    title: str | None = typer.Option(None, "--title", help=_EDIT_HELP),
    products: str | None = typer.Option(
        None, "--products", help="product-a: 1.0, 1.1; product-b (replaces the list)"
    ),
    cvss31: str | None = typer.Option(None, "--cvss31", help=_EDIT_HELP),
    cvss40: str | None = typer.Option(None, "--cvss40", help=_EDIT_HELP),
    cwe: str | None = typer.Option(None, "--cwe", help=_EDIT_HELP),
    unit: str | None = typer.Option(None, "--unit", help="Move to this unit (a manager's act)"),
    owner: str | None = typer.Option(None, "--owner", help="Assign an owner (a manager's act)"),
    remediation: str | None = typer.Option(None, "--remediation", help=_EDIT_HELP),
    workaround: str | None = typer.Option(None, "--workaround", help=_EDIT_HELP),
) -> None:
    """Edit a case's fields; each change is audited with its before and after."""
    given = {
        "title": title,
        "products": products,
        "cvss31": cvss31,
        "cvss40": cvss40,
        "cwe": cwe,
        "unit": unit,
        "owner": owner,
        "remediation": remediation,
        "workaround": workaround,
    }
    with errors():
        case = editing.edit_case(
            deps(), signed_in(), key, {k: v for k, v in given.items() if v is not None}
        )
    typer.echo(f"{case.key}: saved")


@case_app.command("history")
def case_history(key: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """The case's field changes, newest first."""
    with errors():
        items = editing.history(deps(), signed_in(), key)
    if as_json:
        print_json(items)
        return
    rows = [(h.at.isoformat(timespec="minutes"), h.by, h.field, h.before, h.after) for h in items]
    table(f"Field history of {key}", ["at", "by", "field", "before", "after"], rows)


@case_app.command("suggest-products")
def case_suggest(key: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Catalogue products ranked against what the reporter wrote."""
    with errors():
        items = linking.suggestions(deps(), signed_in(), key)
    rows = [(s.product.id, f"{s.product.vendor} {s.product.name}", s.score) for s in items]
    if as_json:
        print_json([{"product": p, "name": n, "score": sc} for p, n, sc in rows])
        return
    table(f"Products for {key}", ["product", "name", "score"], rows)


@case_app.command("link-product")
def case_link(
    key: str,
    product: str,
    versions: str = typer.Option("", "--versions", help="Comma-separated affected versions"),
) -> None:
    """Link a catalogue product: the case moves to its unit and its clocks start."""
    with errors():
        case = linking.link_product(deps(), signed_in(), key, product, versions)
    typer.echo(f"{case.key}: linked to {product}, unit {case.unit}")


@case_app.command("triage")
def case_triage(as_json: bool = typer.Option(False, "--json")) -> None:
    """Received and triaged cases that name no product (for coordinators of every unit)."""
    with errors():
        items = linking.unlinked(deps(), signed_in())
    if as_json:
        print_json(items)
        return
    rows = [(r.key, r.unit, r.title, r.created_at.isoformat(timespec="minutes")) for r in items]
    table("Reports without a product", ["key", "unit", "title", "received"], rows)


def _show(results: list[BulkResult], as_json: bool) -> None:
    if as_json:
        print_json(results)
        return
    rows = [(r.key, "done" if r.done else "refused", r.guard, r.reason) for r in results]
    table("Bulk results", ["key", "result", "guard", "why"], rows)


@case_app.command("bulk-transition")
def case_bulk_transition(
    keys: list[str],
    to: str = typer.Option(..., "--to"),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Move each case to a state; each case's guards decide, each result is listed."""
    with errors():
        results = bulk.bulk_transition(deps(), signed_in(), keys, to, reason)
    _show(results, as_json)


@case_app.command("bulk-assign")
def case_bulk_assign(
    keys: list[str],
    owner: str = typer.Option(..., "--owner"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make one person the owner of each case; each result is listed."""
    with errors():
        results = bulk.bulk_assign(deps(), signed_in(), keys, owner)
    _show(results, as_json)

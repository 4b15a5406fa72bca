"""CLI for stored CSAF suppliers: `vulndesk supplier add|list|pin|remove|documents|fetch`.

A supplier is a CSAF provider kept with the OpenPGP fingerprint pinned for it and the unit that
handles its cases; `vulndesk import csaf-provider NAME` (or `supplier fetch NAME`) fetches it.
"""

from __future__ import annotations

import typer

from vulndesk.entrypoints.cli.common import container, deps, errors, print_json, signed_in, table
from vulndesk.services.publication import provider_import, suppliers
from vulndesk.services.publication.ports import Supplier

supplier_app = typer.Typer(
    help="Supplier CSAF providers kept with a pinned OpenPGP key, and what was fetched.",
    no_args_is_help=True,
)


def _row(s: Supplier) -> dict[str, str | None]:
    return {
        "name": s.name,
        "url": s.metadata_url,
        "fingerprint": s.fingerprint,
        "unit": s.unit,
        "created_by": s.created_by,
        "created_at": s.created_at.isoformat(),
        "last_fetch_at": s.last_fetch_at.isoformat() if s.last_fetch_at else None,
    }


@supplier_app.command("add")
def add(
    name: str = typer.Argument(..., help="A short id: lowercase letters, digits and '-'"),
    url: str = typer.Option(..., "--url", help="provider-metadata.json URL, site URL or domain"),
    fingerprint: str = typer.Option(
        ..., "--fingerprint", help="The supplier's OpenPGP key fingerprint, learnt out of band"
    ),
    unit: str = typer.Option(..., "--unit", help="Organisation unit that handles the cases"),
) -> None:
    """Store a supplier's CSAF provider with its pinned key."""
    with errors():
        s = suppliers.add(deps(), signed_in(), name, url, fingerprint, unit)
    typer.echo(f"supplier {s.name}: {s.metadata_url} pinned to {s.fingerprint}, unit {s.unit}")


@supplier_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """The stored suppliers with their pins and last fetch."""
    with errors():
        found = suppliers.suppliers(deps(), signed_in())
    rows = [_row(s) for s in found]
    if as_json:
        print_json(rows)
        return
    table(
        "CSAF suppliers",
        ["name", "url", "fingerprint", "unit", "last fetch"],
        [
            (r["name"], r["url"], r["fingerprint"], r["unit"], r["last_fetch_at"] or "-")
            for r in rows
        ],
    )


@supplier_app.command("pin")
def pin(
    name: str,
    fingerprint: str = typer.Option(..., "--fingerprint", help="The new pinned fingerprint"),
    justification: str = typer.Option(
        ..., "--justification", help="Why the pin changes (kept in the audit trail)"
    ),
) -> None:
    """Change a supplier's pinned fingerprint; the audit trail keeps the old one and why."""
    with errors():
        s = suppliers.pin(deps(), signed_in(), name, fingerprint, justification)
    typer.echo(f"supplier {s.name}: pinned to {s.fingerprint}")


@supplier_app.command("remove")
def remove(name: str) -> None:
    """Forget a supplier and its document records (the audit trail keeps the fetches)."""
    with errors():
        suppliers.remove(deps(), signed_in(), name)
    typer.echo(f"supplier {name.strip()}: removed")


@supplier_app.command("documents")
def documents(name: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every document the supplier's provider listed, as it was when last fetched."""
    with errors():
        found = suppliers.documents(deps(), signed_in(), name)
    rows = [
        {
            "url": d.url,
            "status": d.status,
            "detail": d.detail,
            "tracking_id": d.tracking_id,
            "tracking_version": d.tracking_version,
            "sha256": d.sha256,
            "fetched_at": d.fetched_at.isoformat(),
            "checked_at": d.checked_at.isoformat(),
        }
        for d in found
    ]
    if as_json:
        print_json(rows)
        return
    table(
        f"Documents of supplier {name.strip()}",
        ["document", "status", "tracking", "sha256", "fetched", "detail"],
        [
            (
                str(r["url"]).rsplit("/", 1)[-1],
                r["status"],
                f"{r['tracking_id'] or '-'} {r['tracking_version'] or ''}".strip(),
                (r["sha256"] or "-")[:16],
                r["checked_at"],
                r["detail"],
            )
            for r in rows
        ],
    )


def show_import(done: provider_import.ProviderImport, as_json: bool) -> None:
    """A provider import's result: JSON, or a table of the documents."""
    if as_json:
        print_json(done)
        return
    rows = [
        (
            d.url.rsplit("/", 1)[-1],
            d.status,
            d.detail or "; ".join(f"{x.ref}: {x.action} {x.case or ''}".strip() for x in d.cases),
        )
        for d in done.documents
    ]
    table(f"Imported {done.metadata_url}", ["document", "status", "result"], rows)


@supplier_app.command("fetch")
def fetch(name: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Fetch a supplier's new documents now, with its stored pin and unit."""
    c = container()
    with errors():
        done = suppliers.fetch(
            deps(), signed_in(), c.csaf_provider_source, c.document_readers, name
        )
    show_import(done, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(supplier_app, name="supplier")

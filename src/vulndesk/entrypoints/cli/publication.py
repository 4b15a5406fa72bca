"""CLI for the publication gate, blackout windows, imports, affected products, third-party work.

`vulndesk publication check` exits 0 when every check passes, 1 when one fails and 3 when
one needs a recorded decision.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli.common import (
    container,
    deps,
    errors,
    print_json,
    signed_in,
    table,
)
from vulndesk.entrypoints.cli.suppliers import show_import
from vulndesk.rules.publication import Attachment, Result
from vulndesk.services.publication import gate as publication
from vulndesk.services.publication import imports, provider_import, suppliers, thirdparty
from vulndesk.services.publication.ports import FILING_FIELDS

publication_app = typer.Typer(help="RMSV Art. 9 publication gate.", no_args_is_help=True)
blackout_app = typer.Typer(
    help="Major-event blackout windows (RMSV Art. 9(6)).", no_args_is_help=True
)
import_app = typer.Typer(
    help="Import supplier CSAF advisories and CycloneDX SBOMs.", no_args_is_help=True
)
filing_app = typer.Typer(help="Collection-platform filing (RMSV Art. 10).", no_args_is_help=True)
vendor_app = typer.Typer(
    help="Third-party cases: the vendor, its notification and fix.", no_args_is_help=True
)

EXIT_FAIL = 1
EXIT_NEEDS_DECISION = 3
_HEAD = 8192


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            "file", f"{path} cannot be read ({exc.strerror})", "a readable file"
        ) from exc


def _attachment(spec: str, flagged: bool) -> Attachment:
    path = Path(spec)
    head = _read(path)[:_HEAD].decode("utf-8", errors="replace")
    return Attachment(path.name, flagged, head)


@publication_app.command("check")
def check(
    case: str = typer.Argument(..., help="Case id, e.g. VD-2026-0001"),
    kind: str = typer.Option("advisory", "--kind", help="advisory, blog or talk"),
    at: str | None = typer.Option(None, "--at", help="Planned publication instant (default now)"),
    include: list[str] = typer.Option([], "--include", help="A non-public detail field to publish"),
    attachment: list[str] = typer.Option([], "--attachment", help="A file to publish with it"),
    exploit: list[str] = typer.Option(
        [], "--exploit", help="An attachment known to be an exploit or PoC"
    ),
    stated: str | None = typer.Option(None, "--stated-severity", help="Severity the text states"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run every Art. 9 check for a planned publication."""
    with errors():
        files = [_attachment(a, False) for a in attachment] + [
            _attachment(a, True) for a in exploit
        ]
        req = publication.CheckRequest(case, kind, at, tuple(include), tuple(files), stated)
        result = publication.check(deps(), signed_in(), req)
    rows = [
        {"id": c.id, "article": c.article, "result": c.result.value, "message": c.message}
        for c in result.checks
    ]
    if as_json:
        print_json({"checks": rows, "result": result.result.value})
    else:
        table(
            f"Publication check: {result.result.value}",
            ["check", "article", "result", "message"],
            [list(r.values()) for r in rows],
        )
    code = {Result.PASS: 0, Result.FAIL: EXIT_FAIL, Result.NEEDS_DECISION: EXIT_NEEDS_DECISION}
    raise typer.Exit(code[result.result])


@publication_app.command("decide")
def decide(
    case: str,
    kind: str = typer.Argument(
        ...,
        help="early_publication, mps_consent, overseas_exception, attachment_cleared, "
        "no_operator_details, embargo_early_publication",
    ),
    note: str = typer.Option(..., "--note", help="The grounds of the decision"),
    subject: str = typer.Option(
        "", "--subject", help="Blackout name, recipient or file the decision concerns"
    ),
) -> None:
    """Propose a decision that lifts a check; it takes effect when a second person approves it."""
    with errors():
        d = publication.decide(deps(), signed_in(), case, kind, subject, note)
    typer.echo(
        f"recorded {d.kind.value} on {case.upper()} as decision {d.id}: awaiting a second "
        f"approver (vulndesk publication decision-approve {case.upper()} {d.id})"
    )


@publication_app.command("decision-approve")
def decision_approve(case: str, decision_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Approve a publication decision as its second (different) person."""
    with errors():
        d = publication.approve_decision(deps(), signed_in(), case, decision_id)
    state = "in effect" if d.approved else "awaiting a second approver"
    typer.echo(f"decision {d.id} ({d.kind.value}): {state}; approvers: {', '.join(d.approvers)}")


@publication_app.command("decisions")
def decisions(case: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Publication decisions of a case, with their approvers."""
    with errors():
        found = publication.decisions(deps(), signed_in(), case)
    rows = [
        {
            "id": d.id,
            "kind": d.kind.value,
            "subject": d.subject,
            "approvers": list(d.approvers),
            "approved": d.approved,
            "at": d.at.isoformat(),
            "note": d.note,
        }
        for d in found
    ]
    if as_json:
        print_json(rows)
        return
    table(
        f"Publication decisions of {case.upper()}",
        ["id", "kind", "subject", "approvers", "in effect"],
        [
            (r["id"], r["kind"], r["subject"], ", ".join(d.approvers), r["approved"])
            for r, d in zip(rows, found, strict=True)
        ],
    )


@publication_app.command("share")
def share(
    case: str,
    recipient: str = typer.Option(..., "--recipient"),
    country: str = typer.Option(..., "--country", help="ISO country code"),
    at: str | None = typer.Option(None, "--at"),
    provider: bool = typer.Option(
        False, "--provider", help="The recipient is the product's provider"
    ),
    note: str = typer.Option("", "--note"),
) -> None:
    """Record undisclosed information given to a named recipient."""
    with errors():
        s = publication.record_share(
            deps(), signed_in(), case, recipient, country, at=at, is_provider=provider, note=note
        )
    typer.echo(f"recorded share with {s.recipient} ({s.country})")


@blackout_app.command("add")
def blackout_add(
    name: str,
    start: str = typer.Option(..., "--start", help="ISO instant with zone"),
    end: str = typer.Option(..., "--end", help="ISO instant with zone (exclusive)"),
    note: str = typer.Option("", "--note"),
) -> None:
    """Add a major-event window during which nothing is published without MPS consent."""
    with errors():
        w = publication.add_blackout(deps(), signed_in(), name, start, end, note)
    typer.echo(f"blackout {w.name!r}: {w.start.isoformat()} to {w.end.isoformat()}")


@blackout_app.command("list")
def blackout_list(as_json: bool = typer.Option(False, "--json")) -> None:
    with errors():
        windows = publication.list_blackouts(deps(), signed_in())
    if as_json:
        print_json(windows)
        return
    table(
        "Blackout windows",
        ["name", "start", "end", "note"],
        [(w.name, w.start.isoformat(), w.end.isoformat(), w.note) for w in windows],
    )


@import_app.command("csaf")
def import_csaf(
    file: Path,
    unit: str = typer.Option(..., "--unit", help="Organisation unit that handles the cases"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open or update upstream-component cases from a supplier's CSAF 2.0 advisory."""
    with errors():
        done = imports.import_csaf(
            deps(), signed_in(), container().document_readers, _read(file), unit
        )
    if as_json:
        print_json(done)
        return
    table(
        f"Imported {file.name}",
        ["vulnerability", "case", "action", "products"],
        [(d.ref, d.case or "-", d.action, ", ".join(d.products)) for d in done],
    )


@import_app.command("csaf-provider")
def import_csaf_provider(
    source: str = typer.Argument(
        ...,
        metavar="URL|SUPPLIER",
        help="A stored supplier's name, or a provider-metadata.json URL, site URL or domain",
    ),
    unit: str | None = typer.Option(
        None, "--unit", help="Organisation unit that handles the cases (with a URL)"
    ),
    fingerprint: str | None = typer.Option(
        None,
        "--fingerprint",
        help="The supplier's OpenPGP key fingerprint, learnt out of band (with a URL)",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Download a supplier's new CSAF documents, verify hashes and signatures, import them.

    With a stored supplier's name its pinned fingerprint and unit are used (see `vulndesk
    supplier`); with a URL, --unit and --fingerprint are needed."""
    c = container()
    with errors():
        if unit is None and fingerprint is None:
            done = suppliers.fetch(
                deps(), signed_in(), c.csaf_provider_source, c.document_readers, source
            )
        elif unit is None or fingerprint is None:
            missing = "unit" if unit is None else "fingerprint"
            raise InvalidInput(
                missing,
                "is needed with a provider URL",
                "--unit and --fingerprint, or a stored supplier's name alone",
            )
        else:
            done = provider_import.import_provider(
                deps(), signed_in(), c.csaf_provider_source, c.document_readers, source, unit,
                fingerprint,
            )  # fmt: skip
    show_import(done, as_json)


@import_app.command("sbom")
def import_sbom(
    product: str,
    file: Path,
    version: str | None = typer.Option(
        None, "--version", help="Product version (default: from the SBOM)"
    ),
) -> None:
    """Replace a product version's component list with a CycloneDX JSON SBOM."""
    with errors():
        count = imports.import_sbom(
            deps(), signed_in(), container().document_readers, product, _read(file), version
        )
    typer.echo(f"{product}: {count} components stored")


def affected(
    target: str = typer.Argument(..., help="A package URL, or an upstream case id"),
    vers: str | None = typer.Option(None, "--range", help='e.g. "vers:generic/>=3.0.0|<3.0.14"'),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Which products and versions contain an affected component."""
    who = signed_in()
    with errors():
        if imports.is_package(target):
            found = imports.affected_package(deps(), who, target, vers)
        else:
            found = imports.affected_case(deps(), who, target, vers)
    rows = [
        {"product": m.product, "version": m.product_version, "component": m.component}
        for m in found
    ]
    if as_json:
        print_json(rows)
        return
    table(
        f"{len(rows)} affected product versions",
        ["product", "version", "component"],
        [list(r.values()) for r in rows],
    )


@filing_app.command("set")
def filing_set(file: Path) -> None:
    """Store the filing content from a JSON object of filing fields."""
    who = signed_in()
    with errors():
        try:
            fields = json.loads(_read(file))
        except ValueError as exc:
            raise InvalidInput(
                "file", f"is not JSON ({exc})", "a JSON object of filing fields"
            ) from exc
        if not isinstance(fields, dict):
            raise InvalidInput("file", "is not a JSON object", "a JSON object of filing fields")
        thirdparty.set_filing(deps(), who, fields)
    typer.echo("filing stored")


@filing_app.command("show")
def filing_show() -> None:
    with errors():
        found = thirdparty.filing(deps(), signed_in())
    table("Platform filing", ["field", "value"], [(k, found.fields[k]) for k in FILING_FIELDS])
    missing = [k for k in FILING_FIELDS if k != "other" and not found.fields[k].strip()]
    if missing:
        typer.echo(f"missing: {', '.join(missing)}")


@filing_app.command("export")
def filing_export() -> None:
    """The filing as JSON, for the MIIT platform's form."""
    with errors():
        doc = thirdparty.filing_document(thirdparty.filing(deps(), signed_in()))
    # Not print_json: the filing form's order of fields is kept, not sorted.
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


@vendor_app.command("set")
def vendor_set(case: str, vendor: str) -> None:
    """Name the vendor (a party) of a third_party case."""
    with errors():
        thirdparty.track_vendor(deps(), signed_in(), case, vendor)
    typer.echo(f"{case.upper()}: vendor {vendor}")


@vendor_app.command("notified")
def vendor_notified(
    case: str,
    evidence: str = typer.Option(..., "--evidence"),
    at: str | None = typer.Option(None, "--at"),
) -> None:
    with errors():
        t = thirdparty.vendor_notified(deps(), signed_in(), case, at, evidence)
    typer.echo(f"{t.case}: vendor notified {t.notified_at}")


@vendor_app.command("fixed")
def vendor_fixed(
    case: str,
    evidence: str = typer.Option(..., "--evidence"),
    at: str | None = typer.Option(None, "--at"),
) -> None:
    with errors():
        t = thirdparty.vendor_fixed(deps(), signed_in(), case, at, evidence)
    typer.echo(f"{t.case}: vendor fix {t.fixed_at}")


def register(app: typer.Typer) -> None:
    """Add these command groups to the `vulndesk` command."""
    app.add_typer(publication_app, name="publication")
    app.add_typer(blackout_app, name="blackout")
    app.add_typer(import_app, name="import")
    app.add_typer(filing_app, name="filing")
    app.add_typer(vendor_app, name="vendor")
    app.command("affected")(affected)

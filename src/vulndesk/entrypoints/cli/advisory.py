"""CLI for a case's advisory: draft, edit, show, diff, approve, publish, list, export.

Every command acts as the signed-in account (`vulndesk login`); the services check roles and
need-to-know themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from vulndesk.entrypoints.cli.common import container, deps, errors, print_json, signed_in, table
from vulndesk.exporters.advisories.provider import TreeEntry
from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.advisories.content import FORMATS

advisory_app = typer.Typer(
    help="A case's public advisory (CSAF 2.0, CSAF VEX, CVE, OSV, CycloneDX VEX).",
    no_args_is_help=True,
)


def _changes(
    title: str | None,
    text: list[str],
    status: list[str],
    tlp: str | None,
    cve: str | None,
    cwe: str | None,
    cvss31: str | None,
    cvss40: str | None,
    include: list[str],
    reference: list[str],
    credit: str | None,
    credit_consent: str | None,
    change: str | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    simple = {"title": title, "tlp": tlp, "cve": cve, "cwe": cwe, "cvss31": cvss31}
    simple |= {"cvss40": cvss40, "credit": credit, "credit_consent": credit_consent}
    simple |= {"change": change}
    out.update({k: v for k, v in simple.items() if v is not None})
    if text:
        out["texts"] = dict(t.split("=", 1) for t in text if "=" in t)
    if status:
        out["statuses"] = tuple(tuple(s.split(":", 2)) for s in status)
    if include:
        out["include"] = tuple(include)
    if reference:
        out["references"] = tuple(tuple([*r.split(" ", 1), ""][:2]) for r in reference)
    return out


_T = typer.Option(None, "--title", help="One-line headline")
_TEXT = typer.Option(
    [], "--text", help="Repeat: FIELD=TEXT (summary, harm, remediation, workaround)"
)
_STATUS = typer.Option([], "--status", help="Repeat: PRODUCT:VERSION:known_affected|fixed|...")
_TLP = typer.Option(None, "--tlp", help="WHITE (published), GREEN, AMBER, RED")
_INCLUDE = typer.Option([], "--include", help="Repeat: a restricted field to publish")
_REF = typer.Option([], "--reference", help="Repeat: 'URL summary'")
_CONSENT = typer.Option(None, "--credit-consent", help="How and when the reporter agreed")


@advisory_app.command("draft")
def draft(
    case: str,
    title: str | None = _T,
    text: list[str] = _TEXT,
    status: list[str] = _STATUS,
    tlp: str | None = _TLP,
    cve: str | None = typer.Option(None, "--cve"),
    cwe: str | None = typer.Option(None, "--cwe"),
    cvss31: str | None = typer.Option(None, "--cvss31"),
    cvss40: str | None = typer.Option(None, "--cvss40"),
    include: list[str] = _INCLUDE,
    reference: list[str] = _REF,
    credit: str | None = typer.Option(None, "--credit", help="Name to thank"),
    credit_consent: str | None = _CONSENT,
) -> None:
    """Draft the case's advisory from the case (products, versions, CVSS, CWE, public texts)."""
    p = signed_in()
    ch = _changes(title, text, status, tlp, cve, cwe, cvss31, cvss40, include, reference, credit, credit_consent, None)  # fmt: skip
    with errors():
        r = advisories.draft(deps(), p, case, ch)
    typer.echo(f"drafted {r.ref}")


@advisory_app.command("edit")
def edit(
    case: str,
    title: str | None = _T,
    text: list[str] = _TEXT,
    status: list[str] = _STATUS,
    tlp: str | None = _TLP,
    cve: str | None = typer.Option(None, "--cve"),
    cwe: str | None = typer.Option(None, "--cwe"),
    cvss31: str | None = typer.Option(None, "--cvss31"),
    cvss40: str | None = typer.Option(None, "--cvss40"),
    include: list[str] = _INCLUDE,
    reference: list[str] = _REF,
    credit: str | None = typer.Option(None, "--credit"),
    credit_consent: str | None = _CONSENT,
    change: str | None = typer.Option(None, "--change", help="Revision summary"),
) -> None:
    """A new revision with the changes given; approvals start again."""
    p = signed_in()
    ch = _changes(title, text, status, tlp, cve, cwe, cvss31, cvss40, include, reference, credit, credit_consent, change)  # fmt: skip
    with errors():
        r = advisories.edit(deps(), p, case, ch)
    typer.echo(f"saved {r.ref}")


@advisory_app.command("show")
def show(
    case: str,
    fmt: str = typer.Option("csaf", "--format", help=", ".join(FORMATS)),
    revision: int | None = typer.Option(None, "--revision"),
) -> None:
    """Preview a revision exactly as publishing it now would write it."""
    p = signed_in()
    with errors():
        _, text = advisories.preview(deps(), p, container().advisory_setup, case, fmt, revision)
    typer.echo(text, nl=False)


@advisory_app.command("export")
def export(
    case: str,
    fmt: str = typer.Option("csaf", "--format", help=", ".join(FORMATS)),
    out: Path = typer.Option(..., "--out", help="File to write"),
) -> None:
    """Write the newest revision in one format to a file."""
    p = signed_in()
    with errors():
        _, text = advisories.preview(deps(), p, container().advisory_setup, case, fmt)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")


@advisory_app.command("diff")
def diff(case: str, revision: int | None = typer.Option(None, "--revision")) -> None:
    """The CSAF of a revision against the previous revision."""
    p = signed_in()
    with errors():
        typer.echo(advisories.diff(deps(), p, container().advisory_setup, case, revision), nl=False)


@advisory_app.command("approve")
def approve(case: str) -> None:
    """Approve the newest revision; two different approvers make it publishable."""
    p = signed_in()
    with errors():
        r = advisories.approve(deps(), p, case)
    typer.echo(f"{r.ref}: {r.status}; approvers: {', '.join(r.approvers)}")


class _Site:
    """The configured site, built only when publishing gets that far: a case the caller may
    not see answers as missing whatever the signing configuration."""

    def publish(self, document: str, extra: Mapping[str, str], now: dt.datetime) -> TreeEntry:
        return container().advisory_site.publish(document, extra, now)


@advisory_app.command("publish")
def publish(case: str) -> None:
    """Publish the approved newest revision to the CSAF provider tree, OSV and CVE files."""
    p = signed_in()
    with errors():
        done = advisory_publish.publish(deps(), p, container().advisory_setup, _Site(), case)
    typer.echo(f"published {done.record.ref} as CSAF version {done.version}: {done.path}")


@advisory_app.command("list")
def list_(case: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """The revisions of a case's advisory."""
    p = signed_in()
    with errors():
        found = advisories.revisions(deps(), p, case)
    rows = [
        (r.number, r.status, r.tlp, r.created_by, ", ".join(r.approvers), r.csaf_version or "")
        for r in found
    ]
    if as_json:
        print_json([dict(zip(("revision", "status", "tlp", "by", "approvers", "csaf_version"), row, strict=True)) for row in rows])  # fmt: skip
        return
    table("advisory revisions", ("rev", "status", "tlp", "by", "approvers", "csaf"), rows)


def register(app: typer.Typer) -> None:
    app.add_typer(advisory_app, name="advisory")

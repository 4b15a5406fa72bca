"""`vulndesk report exposure` and `exposure-verify`: the board's disclosure report on the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli.common import container, deps, errors, fail, signed_in
from vulndesk.exporters.reports import exposure as exposure_export
from vulndesk.services.disclosure import exposure


def register(report_app: typer.Typer) -> None:
    report_app.command("exposure")(exposure_report)
    report_app.command("exposure-verify")(exposure_verify)


def exposure_report(
    start: str | None = typer.Option(None, "--from", help="Disclosures from (YYYY-MM-DD)"),
    end: str | None = typer.Option(None, "--to", help="Disclosures before (YYYY-MM-DD)"),
    unit: str | None = typer.Option(None, "--unit", help="Only this unit's disclosures"),
    fmt: str = typer.Option("json", "--format", help="json, csv, html or pdf"),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout"),
) -> None:
    """What each government was told while no fix was out, inequalities and late filings."""
    who = signed_in()
    with errors():
        if fmt not in exposure_export.FORMATS:
            formats = ", ".join(exposure_export.FORMATS)
            raise InvalidInput("format", f"{fmt!r} is not a format", formats)
        if fmt == "pdf" and out is None:
            raise InvalidInput("out", "a PDF needs a file", "--out FILE.pdf")
        period = exposure.parse_period(start, end, unit)
        c = container()
        report = exposure.build(deps(), who, period, c.rule_sets)
        body = exposure_export.render(exposure.as_json(report), fmt, c.pdf_renderer.render)
    if out is not None:
        out.write_bytes(body)
        typer.echo(f"written: {out}")
    else:
        sys.stdout.write(body.decode("utf-8"))


def exposure_verify(
    file: Path = typer.Argument(..., help="A report written with --format json"),
) -> None:
    """Check a saved report against the audit chain and the ledger it was built from."""
    who = signed_in()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, ValueError):
        text = ""  # the use case checks the caller first, then says the report is unreadable
    with errors():
        result = exposure.verify_report(deps(), who, text)
    if not result.ok:
        fail(f"report does not verify: {result.problem}", 1)
    typer.echo(f"OK: {result.problem}")

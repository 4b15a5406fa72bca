"""`vulndesk rules what-if FILE`: a hypothetical rule file against the open cases you may see."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from vulndesk.entrypoints.cli.common import (
    container,
    deps,
    errors,
    fail,
    print_json,
    signed_in,
    table,
)
from vulndesk.entrypoints.cli.obligations import rules_app
from vulndesk.services.clocks import whatif


@rules_app.command("what-if")
def what_if_command(
    file: Path = typer.Argument(..., help="A hypothetical rule file (TOML); it is not loaded."),
    within: int = typer.Option(72, "--within-hours", min=1, max=24 * 90, help="Due-soon window."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Which obligations would be overdue or due soon if FILE had been in force since each trigger.

    Evaluates every open case you may see; nothing is stored.
    """
    who = signed_in()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"file: cannot read {file.name!r} as UTF-8 text ({type(exc).__name__})")
    with errors():
        result = whatif.what_if(
            deps(), who, text, file.name, dt.timedelta(hours=within), container().rule_sets
        )
    if as_json:
        print_json(whatif.as_dict(result))
        return
    _print(result)


def _print(result: whatif.WhatIf) -> None:
    head = f"{result.rule_set}: {result.cases} open cases evaluated, nothing stored"
    if result.replaces:
        head += f" (replaces the loaded {result.rule_set})"
    typer.echo(head)
    table(
        "per unit and regulation",
        ["unit", "regulation", "recipient", "overdue", f"due within {result.window_hours} h"],
        [(t.unit, t.regulation, t.recipient, t.overdue, t.due_soon) for t in result.tallies],
    )
    table(
        "obligations",
        ["case", "unit", "obligation", "due", "status"],
        [
            (
                f.case,
                f.unit,
                f.obligation.id,
                f.obligation.due.isoformat() if f.obligation.due else "",
                f.status,
            )
            for f in result.findings
        ],
    )
    table(
        "what each recipient would receive",
        ["party", "kind", "today", "then", "added fields"],
        [
            (r.party, r.kind, ", ".join(r.today), ", ".join(r.then), ", ".join(r.added_fields))
            for r in result.recipients
        ],
    )

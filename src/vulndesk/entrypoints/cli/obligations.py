"""`vulndesk obligations` and `vulndesk rules`: evaluate facts files, check and list rule files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from vulndesk.domain.errors import VulndeskError
from vulndesk.domain.obligations import Obligation
from vulndesk.rules.loader import lint_rule_file, load_rule_sets
from vulndesk.rules.model import RuleSet
from vulndesk.rules.scenario import load_scenario, render_obligations, run_scenario

app = typer.Typer(
    help="Regulatory obligations computed from the facts of a case.", no_args_is_help=True
)
rules_app = typer.Typer(
    help="Rule files: check them and list the loaded rule sets.", no_args_is_help=True
)

RULES_DIR = typer.Option(
    None,
    "--rules-dir",
    help="Directory of the organisation's own rule files (*.toml), loaded after the built-ins.",
)


@app.callback()
def obligations() -> None:
    """Regulatory obligations computed from the facts of a case."""


@rules_app.callback()
def rules() -> None:
    """Rule files: check them and list the loaded rule sets."""


@app.command("evaluate")
def evaluate_command(
    file: Path = typer.Argument(..., help="A facts file (JSON, the scenario format)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
    rules_dir: Path | None = RULES_DIR,
) -> None:
    """Evaluate the regulations for the facts in FILE."""
    try:
        catalogue = load_rule_sets(rules_dir)
        scenario = load_scenario(file, catalogue)
        found = run_scenario(scenario, catalogue)
    except VulndeskError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(render_obligations(found), ensure_ascii=False, indent=2))
        return
    Console().print(_obligations_table(found, scenario.id or file.name))


@rules_app.command("lint")
def lint_command(file: Path = typer.Argument(..., help="A rule file (TOML).")) -> None:
    """Check a rule file; print ok, or every problem on stderr (exit 2)."""
    problems = lint_rule_file(file)
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    typer.echo("ok")


@rules_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    rules_dir: Path | None = RULES_DIR,
) -> None:
    """List the loaded rule sets, their options and obligations."""
    try:
        catalogue = load_rule_sets(rules_dir)
    except VulndeskError as exc:
        _fail(exc)
    ordered = [catalogue[key] for key in sorted(catalogue)]
    if as_json:
        typer.echo(
            json.dumps(
                {"rule_sets": [_rule_set_json(r) for r in ordered]}, ensure_ascii=False, indent=2
            )
        )
        return
    Console().print(_rule_sets_table(ordered))


def _fail(exc: VulndeskError) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


def _obligations_table(found: list[Obligation], title: str) -> Table:
    table = Table(title=f"Obligations: {title}")
    table.add_column("obligation / article", overflow="fold", min_width=20)
    table.add_column("due", no_wrap=True)
    table.add_column("from / interpretation / flags", overflow="fold", min_width=16)
    for obligation in found:
        due = (
            obligation.timing.value
            if obligation.due is None
            else _local(obligation.due, obligation.timezone)
        )
        notes = [f"{obligation.trigger.value} {_local(obligation.trigger_at, obligation.timezone)}"]
        notes += [f"{k}={v}" for k, v in obligation.interpretation.items()] + list(obligation.flags)
        table.add_row(f"{obligation.id}\n{obligation.article}", due, "\n".join(notes))
    if not found:
        table.caption = "No obligation arises from these facts."
    return table


def _local(instant: dt.datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %z")


def _rule_sets_table(rule_sets: list[RuleSet]) -> Table:
    table = Table(title="Rule sets")
    table.add_column("rule set", no_wrap=True)
    table.add_column("status / zone", overflow="fold")
    table.add_column("options: default (allowed)", overflow="fold", min_width=30)
    table.add_column("obligations", overflow="fold")
    for rule_set in rule_sets:
        options = "\n".join(
            f"{o.name}: {o.default} ({', '.join(o.allowed)})" for o in rule_set.options.values()
        )
        table.add_row(
            rule_set.id,
            f"{rule_set.status.value}\n{rule_set.timezone}",
            options or "—",
            "\n".join(o.id for o in rule_set.obligations),
        )
    return table


def _rule_set_json(rule_set: RuleSet) -> dict[str, object]:
    return {
        "id": rule_set.id,
        "title": rule_set.title,
        "title_zh": rule_set.title_zh,
        "jurisdiction": rule_set.jurisdiction,
        "status": rule_set.status.value,
        "timezone": rule_set.timezone,
        "origin": rule_set.origin,
        "sources": list(rule_set.sources),
        "options": {
            f"{rule_set.id}.{o.name}": {
                "default": o.default,
                "allowed": list(o.allowed),
                "description": o.description,
            }
            for o in rule_set.options.values()
        },
        "obligations": [
            {
                "id": f"{rule_set.id}/{o.id}",
                "article": o.article,
                "trigger": o.trigger,
                "period": o.period,
                "period_by": None
                if o.period_by is None
                else {o.period_by.attribute.value: dict(o.period_by.choices)},
                "roles": sorted(r.value for r in o.roles),
                "recipient": o.recipient.value,
            }
            for o in rule_set.obligations
        ],
    }

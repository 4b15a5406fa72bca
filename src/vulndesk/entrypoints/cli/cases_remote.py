"""`case list`, `case show` and `case record-fact` through a server signed in to (cli/remote.py)."""

from __future__ import annotations

from typing import Any

import typer

from vulndesk.entrypoints.cli import remote
from vulndesk.entrypoints.cli.common import print_json, table


def case_list(params: dict[str, Any], as_json: bool) -> None:
    answer = remote.signed_in().call("GET", "/api/v1/cases", params=params)
    if as_json:
        print_json(answer)
        return
    items: list[dict[str, Any]] = answer["cases"]
    table(
        f"Cases ({len(items)} of {answer['total']})",
        ["key", "state", "unit", "title", "CVSS", "grade", "products"],
        [
            (
                c["key"],
                c["state"],
                c["unit"],
                c["title"],
                c["cvss31_score"],
                c["cn_grade"],
                ", ".join(c["products"]),
            )
            for c in items
        ],
    )


def case_show(key: str, as_json: bool) -> None:
    """The case as the API shows it (the read is audited at the server)."""
    case = remote.signed_in().call("GET", f"/api/v1/cases/{key}")
    if as_json:
        print_json(case)
        return
    for name in ("key", "title", "state", "unit", "cvss31_score", "cn_grade"):
        typer.echo(f"{name}: {'-' if case.get(name) is None else case[name]}")
    details: dict[str, Any] = case.get("details") or {}
    for name, value in sorted(details.items()):
        typer.echo(f"details.{name}: {value}")
    obligations = remote.signed_in().call("GET", f"/api/v1/cases/{key}/obligations")
    table(
        "Obligations",
        ["obligation", "status", "due"],
        [(o.get("id"), o.get("status"), o.get("due")) for o in obligations],
    )


def case_record_fact(key: str, body: dict[str, Any]) -> None:
    remote.signed_in().call("POST", f"/api/v1/cases/{key}/facts", body=body, creating=True)
    action = "retracted" if body["mode"] == "retract" else "recorded"
    typer.echo(f"{key}: {body['kind']} {action}")

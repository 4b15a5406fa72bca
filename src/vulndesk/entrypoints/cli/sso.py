"""`vulndesk sso map ...`: the stored group-to-role map of OpenID Connect sign-in."""

from __future__ import annotations

import typer

from vulndesk.entrypoints.cli.common import deps, errors, print_json, signed_in, table
from vulndesk.services.accounts import sso_map
from vulndesk.services.accounts.sso import RoleMapping

sso_app = typer.Typer(help="Sign-in through an identity provider (OpenID Connect).")
map_app = typer.Typer(help="Which provider groups give which roles and unit (stored, audited).")
sso_app.add_typer(map_app, name="map")


def _show(rows: tuple[RoleMapping, ...], as_json: bool) -> None:
    if as_json:
        print_json({"role_map": [{"group": r.group, "role": r.role, "unit": r.unit} for r in rows]})
        return
    table(
        "Stored role map",
        ["group", "role", "unit"],
        [(r.group, r.role, r.unit or "") for r in rows],
    )


@map_app.command("list")
def map_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """The stored rows; rows in VULNDESK_OIDC_ROLE_MAP apply as well."""
    who = signed_in()
    with errors():
        _show(sso_map.list_rows(deps(), who), as_json)


@map_app.command("set")
def map_set(
    group: str = typer.Argument(..., help="The group as the provider's groups claim names it"),
    role: str = typer.Argument(..., help="A vulndesk role, e.g. analyst"),
    unit: str = typer.Option("", "--unit", help="The unit members belong to, e.g. psirt-cn"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Members of GROUP get ROLE (and --unit) at their next sign-in."""
    who = signed_in()
    with errors():
        _show(sso_map.set_row(deps(), who, "cli", group, role, unit or None), as_json)


@map_app.command("remove")
def map_remove(
    group: str = typer.Argument(...),
    role: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Members lose ROLE at their next sign-in unless another row gives it."""
    who = signed_in()
    with errors():
        _show(sso_map.remove_row(deps(), who, "cli", group, role), as_json)

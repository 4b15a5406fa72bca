"""`vulndesk login`, `logout` and `whoami`: the account the CLI acts as.

Login checks name, password and one-time code against the database through the same service
as the API and console sign-in (with its throttling), and stores the token it receives.
"""

from __future__ import annotations

import datetime as dt
import sys

import typer

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli import credentials
from vulndesk.entrypoints.cli.common import (
    EXIT_SIGNED_OUT,
    SIGN_IN,
    container,
    deps,
    errors,
    fail,
    print_json,
)
from vulndesk.services import accounts_auth

SOURCE = "cli"


def _read_stdin() -> tuple[str, str]:
    """Password on the first line, one-time code on the second (empty if none is needed)."""
    lines = sys.stdin.read().splitlines()
    if not lines or not lines[0]:
        raise InvalidInput(
            "--password-stdin", "no password on standard input", "the password, then the code"
        )
    return lines[0], (lines[1].strip() if len(lines) > 1 else "")


def _prompted(name: str | None) -> tuple[str, str, str]:
    user = name or typer.prompt("User name")
    password = typer.prompt("Password", hide_input=True)
    code = typer.prompt("One-time code (TOTP)", default="", hide_input=True, show_default=False)
    return user, password, code


def login(
    name: str | None = typer.Argument(None, help="Account name (asked when left out)"),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="Read the password (first line) and the one-time code (second line) from stdin",
    ),
) -> None:
    """Sign in; later commands act as this account until `vulndesk logout` or expiry."""
    c = container()
    if not c.settings.local_login:
        fail(
            "password sign-in is turned off here (VULNDESK_LOCAL_LOGIN=0): "
            "sign in through the identity provider in the console"
        )
    if password_stdin:
        if not name:
            fail("give the account name with --password-stdin, e.g. vulndesk login li.na")
        with errors():
            password, code = _read_stdin()
        user = name
    else:
        user, password, code = _prompted(name)
    path = credentials.path_for(c.settings)
    with errors():
        previous = credentials.load(path)
    hours = c.settings.cli_token_hours
    with errors():
        issued = accounts_auth.sign_in_token(
            deps(),
            c.passwords,
            (user, password, code or None),
            SOURCE,
            dt.timedelta(hours=hours),
        )
        stored = credentials.stored_for(
            c.settings, issued.secret, issued.id, issued.user.name, issued.expires_at
        )
        credentials.save(path, stored)
        if previous is not None:
            accounts_auth.revoke_own_token(deps(), previous.token, SOURCE)
    typer.echo(
        f"signed in as {issued.user.name} until {issued.expires_at.isoformat(timespec='seconds')}"
    )


def logout() -> None:
    """Revoke the stored token in the database and delete the credentials file."""
    path = credentials.path_for(container().settings)
    with errors():
        stored = credentials.load(path)
        if stored is None:
            typer.echo("not signed in")
            return
        accounts_auth.revoke_own_token(deps(), stored.token, SOURCE)
    credentials.remove(path)
    typer.echo(f"signed out {stored.user}")


def whoami(as_json: bool = typer.Option(False, "--json")) -> None:
    """The signed-in account: name, roles, unit, scopes and when the sign-in expires."""
    path = credentials.path_for(container().settings)
    with errors():
        stored = credentials.load(path)
        found = accounts_auth.token_holder(deps(), stored.token) if stored else None
    if stored is None:
        fail(f"not signed in: {SIGN_IN}", EXIT_SIGNED_OUT)
    if found is None:
        fail(f"your sign-in has expired or was revoked: {SIGN_IN}", EXIT_SIGNED_OUT)
    who, expires = found
    row = {
        "name": who.name,
        "roles": sorted(who.roles),
        "unit": who.unit,
        "scopes": sorted(who.scopes),
        "expires_at": expires,
        "database": stored.database,
        "credentials": str(path),
    }
    if as_json:
        print_json(row)
        return
    for key, value in row.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        if isinstance(shown, dt.datetime):
            shown = shown.isoformat(timespec="seconds")
        typer.echo(f"{key}: {'-' if shown is None else shown}")


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)

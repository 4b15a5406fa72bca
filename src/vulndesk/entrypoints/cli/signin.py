"""`vulndesk login`, `logout` and `whoami`: the account the CLI acts as.

Login checks name, password and one-time code against the database through the same service
as the API and console sign-in (with its throttling), and stores the token it receives. With
`--server URL` it posts them to that server's API instead (`POST /api/v1/cli/sign-in`) and the
CLI then acts through that server (cli/remote.py) until `vulndesk logout`.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import typer

from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli import credentials, remote
from vulndesk.entrypoints.cli.common import (
    EXIT_SIGNED_OUT,
    SIGN_IN,
    container,
    deps,
    errors,
    fail,
    print_json,
)
from vulndesk.services.accounts import signin as accounts_auth

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
    server: str | None = typer.Option(
        None, "--server", help="Sign in at a running vulndesk server (https://…) and act through it"
    ),
) -> None:
    """Sign in; later commands act as this account until `vulndesk logout` or expiry."""
    c = container()
    if not c.settings.local_login:
        fail(
            "password sign-in is turned off here (VULNDESK_LOCAL_LOGIN=0): "
            "sign in through the identity provider in the console"
        )
    if server is not None:
        with errors():
            url = remote.server_url(server)
    user, password, code = _piped(name) if password_stdin else _prompted(name)
    if server is not None:
        _login_at(url, user, password, code)
        return
    _login_here(c, user, password, code)


def _piped(name: str | None) -> tuple[str, str, str]:
    """The name from the command line, the password and code from standard input."""
    if not name:
        fail("give the account name with --password-stdin, e.g. vulndesk login li.na")
    with errors():
        password, code = _read_stdin()
    return name, password, code


def _login_here(c: Container, user: str, password: str, code: str) -> None:
    """Sign in against this database, keep the token, and revoke the one it replaces."""
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


def _login_at(server: str, user: str, password: str, code: str) -> None:
    """Exchange the credentials for a token at `server`, keep it, and act through it."""
    settings = container().settings
    body = {"name": user, "password": password, "totp": code or None}
    answer = remote.send(server, "POST", "/api/v1/cli/sign-in", body, None, {})
    remote.check(answer)
    got = answer.json()
    path = credentials.path_for_server(settings, server)
    with errors():
        previous = credentials.load(path)
        stored = credentials.Stored(
            got["token"], got["id"], got["user"], got["expires_at"], server, "", server
        )
        credentials.save(path, stored)
        credentials.set_active_server(settings, server)
    if previous is not None:  # the sign-in it replaces ends at the server too
        remote.send(
            server,
            "DELETE",
            f"/api/v1/tokens/{previous.id}",
            None,
            None,
            {"Authorization": f"Bearer {previous.token}"},
        )
    expires = dt.datetime.fromisoformat(got["expires_at"]).isoformat(timespec="seconds")
    typer.echo(f"signed in as {got['user']} at {server} until {expires}")


def _logout_at(server: str) -> None:
    settings = container().settings
    path = credentials.path_for_server(settings, server)
    with errors():
        stored = credentials.load(path)
    if stored is not None:
        found = remote.send(
            server,
            "DELETE",
            f"/api/v1/tokens/{stored.id}",
            None,
            None,
            {"Authorization": f"Bearer {stored.token}"},
        )
        if found.status_code not in {204, 401, 404}:  # 401/404: already ended there
            remote.check(found)
    credentials.remove(path)
    with errors():
        credentials.set_active_server(settings, None)
    who = f" {stored.user}" if stored else ""
    typer.echo(f"signed out{who} at {server}")


def logout() -> None:
    """Revoke the stored token (at the server signed in to, else in the database) and delete
    the credentials file."""
    with errors():
        server = remote.active()
    if server is not None:
        _logout_at(server)
        return
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
    with errors():
        server = remote.active()
    if server is not None:
        _show(_whoami_at(server), as_json)
        return
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
    _show(row, as_json)


def _whoami_at(server: str) -> dict[str, Any]:
    at = remote.signed_in()
    me = at.call("GET", "/api/v1/me")
    return {
        "name": me["name"],
        "roles": sorted(me["roles"]),
        "unit": me["unit"],
        "scopes": sorted(me["scopes"]),
        "expires_at": dt.datetime.fromisoformat(at.stored.expires_at),
        "server": server,
        "credentials": str(credentials.path_for_server(container().settings, server)),
    }


def _show(row: dict[str, Any], as_json: bool) -> None:
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

"""CLI commands for accounts (`vulndesk user ...`) and case membership (`vulndesk case member ...`)."""

from __future__ import annotations

import sys

import typer

from vulndesk.entrypoints.cli.common import (
    container,
    deps,
    errors,
    operator,
    print_json,
    signed_in,
    table,
)
from vulndesk.services.access import rights as access
from vulndesk.services.accounts import mail_prefs, preferences, subjects
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import users as accounts

# Account administration is an operator's bootstrap work on the local database (there is no
# API for it): it acts as the local operator, with no sign-in. Membership is a human act.
user_app = typer.Typer(help="User accounts, one-time codes and API tokens.", no_args_is_help=True)
member_app = typer.Typer(help="Who may see a case (need-to-know).", no_args_is_help=True)


def _stdin_password(flag: bool) -> str | None:
    if not flag:
        return None
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    name: str,
    role: list[str] = typer.Option(..., "--role", help="Repeat: admin, coordinator, analyst, …"),
    email: str = typer.Option(..., "--email"),
    unit: str | None = typer.Option(None, "--unit"),
    display: str = typer.Option("", "--display-name"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password"),
) -> None:
    """Create a user; prints a one-time password unless one is read from stdin."""
    with errors():
        _, secret = accounts.add_user(
            deps(),
            operator(),
            container().passwords,
            name=name,
            email=email,
            roles=role,
            unit=unit,
            display_name=display,
            password=_stdin_password(password_stdin),
        )
    if not password_stdin:
        typer.echo(f"one-time password for {name}: {secret}")
    typer.echo(f"user {name} added")


@user_app.command("list")
def user_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Users with roles, unit and whether a one-time-code device is enrolled."""
    with errors():
        users = accounts.list_users(deps())
    rows = [
        {
            "name": u.name,
            "display_name": u.display_name,
            "email": u.email,
            "unit": u.unit,
            "roles": sorted(u.roles),
            "totp": u.totp_secret is not None,
            "disabled": u.disabled,
        }
        for u in users
    ]
    if as_json:
        print_json(rows)
        return
    cols = ["name", "display_name", "email", "unit", "roles", "totp", "disabled"]
    table("Users", cols, [[r[c] for c in cols] for r in rows])


@user_app.command("show")
def user_show(name: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One account: roles, unit, TOTP, state and the provider subjects that open it."""
    with errors():
        user = accounts.get_user(deps(), name)
        links = subjects.links_of(deps(), name)
    shown = {
        "name": user.name,
        "display_name": user.display_name,
        "email": user.email,
        "unit": user.unit,
        "roles": sorted(user.roles),
        "password": user.password_hash is not None,
        "totp": user.totp_secret is not None,
        "disabled": user.disabled,
        "subjects": [
            {"issuer": k.issuer, "subject": k.subject, "linked_at": k.linked_at.isoformat()}
            for k in links
        ],
    }
    if as_json:
        print_json(shown)
        return
    for key in ("name", "display_name", "email", "unit", "roles", "password", "totp", "disabled"):
        typer.echo(f"{key}: {shown[key]}")
    table(
        "Identity provider subjects",
        ["issuer", "subject", "linked_at"],
        [(k.issuer, k.subject, k.linked_at.isoformat()) for k in links],
    )


@user_app.command("link-subject")
def user_link_subject(
    name: str,
    subject: str = typer.Option(..., "--subject", help="The provider's `sub` for this person"),
    issuer: str = typer.Option("", "--issuer", help="Default: VULNDESK_OIDC_ISSUER"),
) -> None:
    """Let a provider subject sign in as NAME (an account a provider user name collides with)."""
    with errors():
        policy = container().settings.oidc
        chosen = issuer or (policy.issuer if policy is not None else "")
        made = subjects.link(deps(), operator(), name, chosen, subject)
    typer.echo(f"{made.user}: linked to {made.subject} at {made.issuer}")


@user_app.command("set-password")
def user_set_password(
    name: str, password_stdin: bool = typer.Option(False, "--password-stdin")
) -> None:
    """Replace the password (ends the user's sessions)."""
    with errors():
        secret = accounts.set_password(
            deps(), operator(), container().passwords, name, _stdin_password(password_stdin)
        )
    if not password_stdin:
        typer.echo(f"one-time password for {name}: {secret}")


@user_app.command("totp-enroll")
def user_totp_enroll(name: str) -> None:
    """Give the user a new one-time-code secret; printed once, stored encrypted."""
    with errors():
        secret, uri = accounts.enroll_totp(deps(), operator(), name, container().settings.org_name)
    typer.echo(f"secret: {secret}")
    typer.echo(f"uri: {uri}")


@user_app.command("grant")
def user_grant(
    name: str,
    role: list[str] = typer.Option([], "--role", help="Role to add (repeat)"),
    revoke: list[str] = typer.Option([], "--revoke", help="Role to remove (repeat)"),
    disable: bool | None = typer.Option(None, "--disable/--enable"),
) -> None:
    """Add or remove roles, or disable the account."""
    with errors():
        user = accounts.grant(deps(), operator(), name, role, revoke, disable)
    typer.echo(
        f"{user.name}: {', '.join(sorted(user.roles))}{' (disabled)' if user.disabled else ''}"
    )


@user_app.command("set-preferences")
def user_set_preferences(
    name: str,
    timezone: str | None = typer.Option(None, "--timezone", help="IANA zone; '' clears it"),
    language: str | None = typer.Option(None, "--language", help="en or zh-CN; '' clears it"),
) -> None:
    """Set the zone the console shows times in and its language for one user."""
    with errors():
        chosen = preferences.set_preferences(deps(), operator(), name, timezone, language)
    typer.echo(
        f"{name}: timezone {chosen.timezone or '(organisation)'}, "
        f"language {chosen.language or '(browser)'}"
    )


@user_app.command("set-mail")
def user_set_mail(
    name: str,
    escalations: bool | None = typer.Option(
        None, "--escalations/--no-escalations", help="Deadline escalations on their cases"
    ),
    approvals: bool | None = typer.Option(
        None, "--approvals/--no-approvals", help="An approval waiting for them on their cases"
    ),
    messages: bool | None = typer.Option(
        None,
        "--messages/--no-messages",
        help="A reporter's new message, and coordination mail, on their cases",
    ),
) -> None:
    """Choose which notifications are mailed to one user; without options, show them."""
    with errors():
        chosen = mail_prefs.set_choices(deps(), operator(), name, escalations, approvals, messages)

    def word(on: bool) -> str:
        return "on" if on else "off"

    typer.echo(
        f"{name}: escalations {word(chosen.escalations)}, approvals {word(chosen.approvals)}, "
        f"messages {word(chosen.messages)}"
    )


@user_app.command("token-create")
def user_token_create(
    name: str,
    scope: list[str] = typer.Option(["read"], "--scope", help="read and/or write"),
    days: int = typer.Option(30, "--days"),
    totp: str | None = typer.Option(None, "--totp", help="Current one-time code of the user"),
) -> None:
    """Issue an API token; accounts with case access must give their current TOTP code."""
    with errors():
        issued = accounts_auth.create_token(deps(), operator(), name, frozenset(scope), days, totp)
    typer.echo(f"token {issued.id} (expires {issued.expires_at.isoformat()}): {issued.secret}")


@member_app.command("add")
def member_add(case: str, user: str) -> None:
    """Make USER a member of CASE."""
    with errors():
        members = access.set_member(deps(), signed_in(), case, user, True)
    typer.echo(f"{case.upper()} members: {', '.join(members)}")


@member_app.command("remove")
def member_remove(case: str, user: str) -> None:
    """Remove USER from CASE."""
    with errors():
        members = access.set_member(deps(), signed_in(), case, user, False)
    typer.echo(f"{case.upper()} members: {', '.join(members) or '-'}")

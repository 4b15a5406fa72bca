"""Shared CLI plumbing: the container, who acts, error-to-exit-code mapping, output.

Who acts: a human command acts as the account signed in with `vulndesk login` (its stored
token becomes a Principal, checked like an API caller); an operator command (init, demo,
serve, worker, keys, audit verify, user administration) acts as the local operator.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import os
import pwd
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from vulndesk import bootstrap
from vulndesk.domain.errors import Conflict, NotFound, VulndeskError
from vulndesk.entrypoints.cli import credentials
from vulndesk.services.access.rights import Credential, Principal
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.context import Actor, Deps

console = Console()
err_console = Console(stderr=True)

EXIT_INVALID = 2
EXIT_CONFLICT = 4
# Not signed in, or the sign-in expired or was revoked: `vulndesk login` is the fix.
EXIT_SIGNED_OUT = 5
SIGN_IN = "run `vulndesk login`"


# The option of every command that records something as done at a claimed instant (--at).
LATE_JUSTIFICATION: Any = typer.Option(
    None,
    "--justification",
    help="Why it is recorded late: needed when --at lies more than the backdate limit "
    "(VULNDESK_BACKDATE_LIMIT_HOURS, default 24) before now; a second person approves it",
)


@cache
def container() -> bootstrap.Container:
    # A bad VULNDESK_* setting is bad input like any other: one line naming it, exit status 2.
    with errors():
        return bootstrap.build()


def deps() -> Deps:
    c = container()
    return c.deps()


@cache
def signed_in() -> Principal:
    """The account signed in for this home and database, or exit telling how to sign in."""
    with errors():
        server = credentials.active_server(container().settings)
    if server is not None:
        # Acting on the local database now would act as someone else than the server sign-in.
        fail(
            f"signed in at {server}: this command does not act through a server yet (see"
            " docs/cli-sign-in.md); run `vulndesk logout` to act on the local database"
        )
    with errors():
        stored = credentials.load(credentials.path_for(container().settings))
        found = accounts_auth.token_holder(deps(), stored.token) if stored else None
    if stored is None:
        fail(f"not signed in: {SIGN_IN}", EXIT_SIGNED_OUT)
    if found is None:
        fail(f"your sign-in has expired or was revoked: {SIGN_IN}", EXIT_SIGNED_OUT)
    return found[0].via("cli", Credential.CLI_LOGIN)


def actor() -> Actor:
    """The signed-in account as the audit trail records it (source `cli`)."""
    return signed_in().actor("cli")


def operator() -> Actor:
    """The local operator (an OS account) for commands that need the database and no person."""
    try:
        name = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        name = str(os.getuid())
    return Actor(f"operator:{name}", "cli")


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """One line on stderr, then exit."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def errors() -> Iterator[None]:
    """Map vulndesk errors to exit codes in one place."""
    try:
        yield
    except Conflict as exc:
        fail(str(exc), EXIT_CONFLICT)
    except NotFound as exc:
        # As the API: no key echoed, so "missing" and "not yours" read the same.
        fail(f"{exc.kind} not found", EXIT_INVALID)
    except VulndeskError as exc:
        fail(str(exc), EXIT_INVALID)


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {
            str(k.value if isinstance(k, enum.Enum) else k): to_jsonable(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_jsonable(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(
        json.dumps(to_jsonable(value), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    t = Table(title=title, show_lines=False)
    for col in columns:
        t.add_column(col)
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    console.print(t)

"""Shared CLI plumbing: the container, the actor, error-to-exit-code mapping, output."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from vulndesk import bootstrap
from vulndesk.domain.errors import Conflict, VulndeskError
from vulndesk.services.context import Actor, Deps

console = Console()
err_console = Console(stderr=True)

EXIT_INVALID = 2
EXIT_CONFLICT = 4


@cache
def container() -> bootstrap.Container:
    # A bad VULNDESK_* setting is bad input like any other: one line naming it, exit status 2.
    with errors():
        return bootstrap.build()


def deps() -> Deps:
    c = container()
    return c.deps()


def actor() -> Actor:
    settings = container().settings
    return Actor(settings.actor, "cli", unit=settings.extra.get("ACTOR_UNIT") or None)


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


def run_guarded(fn: Callable[[], Any]) -> Any:
    with errors():
        return fn()

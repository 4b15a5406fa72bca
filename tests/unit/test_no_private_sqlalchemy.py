"""No module in src/ reaches into SQLAlchemy's private attributes, methods or arguments.

A private name (one leading underscore) that any SQLAlchemy class defines may change in any
release; vulndesk uses public interfaces only (docs/decisions/0020). The scan is by name:
an attribute `x._name` on anything but `self`/`cls` where `_name` is private in SQLAlchemy,
any keyword argument `_name=` (SQLAlchemy's private parameters), or an import of `_name`
from sqlalchemy. `Row._mapping`,
`Row._asdict`, `Row._fields`, `Row._t` and `Row._tuple` are excepted: SQLAlchemy documents
them as the public named-tuple interface of a row (the underscore only avoids column names),
as is `_replace` of the standard library's named tuples.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from functools import cache
from pathlib import Path

import sqlalchemy

SRC = Path(__file__).resolve().parents[2] / "src"
# Documented public names with an underscore: a Row's, and a named tuple's `_replace`.
PUBLIC_ROW_API = frozenset({"_mapping", "_asdict", "_fields", "_t", "_tuple", "_replace"})
_PACKAGES = ("sqlalchemy.engine", "sqlalchemy.sql", "sqlalchemy.dialects", "sqlalchemy.pool")


@cache
def private_names() -> frozenset[str]:
    """Every single-underscore name defined by a class or module of SQLAlchemy's core."""
    names: set[str] = set()
    modules = [sqlalchemy, sqlalchemy.exc, sqlalchemy.event]
    for package in _PACKAGES:
        root = importlib.import_module(package)
        modules.append(root)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            try:
                modules.append(importlib.import_module(info.name))
            except ImportError:  # a dialect whose driver is not installed
                continue
    for module in modules:
        for name, value in vars(module).items():
            names.add(name)
            if inspect.isclass(value):
                names.update(dir(value))
    return (
        frozenset(n for n in names if n.startswith("_") and not n.startswith("__") and len(n) > 1)
        - PUBLIC_ROW_API
    )


def private_uses(source: str) -> list[str]:
    """`line: name` for each use of a private SQLAlchemy name in `source` (see module)."""
    private = private_names()
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        name = None
        if isinstance(node, ast.Attribute) and node.attr in private:
            receiver = node.value
            if not (isinstance(receiver, ast.Name) and receiver.id in {"self", "cls"}):
                name = node.attr
        elif (
            isinstance(node, ast.keyword) and len(node.arg or "") > 1 and (node.arg or "")[0] == "_"
        ):
            name = node.arg
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            name = next((a.name for a in node.names if a.name.startswith("_")), None)
        if name is not None:
            found.append((getattr(node, "lineno", 0), name))
    return [f"{line}: {name}" for line, name in sorted(found)]


def test_the_scan_finds_what_fast_statements_once_used() -> None:
    snippet = (
        "from sqlalchemy.engine.base import _private_helper\n"
        "conn._handle_dbapi_exception(exc, sql, params, cursor, None)\n"
        "procs = compiled._bind_processors\n"
        "if conn._echo: pass\n"
        "params = compiled.construct_params(escape_names=False, _check=False)\n"
        "self._lock = None\n"
        "mapping = row._mapping\n"
    )
    assert private_uses(snippet) == [
        "1: _private_helper",
        "2: _handle_dbapi_exception",
        "3: _bind_processors",
        "4: _echo",
        "5: _check",
    ]


def test_no_module_uses_a_private_sqlalchemy_name() -> None:
    found = {
        str(path.relative_to(SRC)): uses
        for path in sorted(SRC.rglob("*.py"))
        if (uses := private_uses(path.read_text(encoding="utf-8")))
    }
    assert found == {}

"""Prebuilt Core statements compiled once per dialect and sent with `Connection.exec_driver_sql`.

`Connection.execute` of a Core statement builds a cache key, looks the compiled form up and
processes the parameters on every call. A hot statement whose shape never changes needs none
of that: `FastStatement` wraps one statement built at import time, compiles it once per
dialect and per set of parameter names, and then only binds the values itself and hands the
compiled SQL to `Connection.exec_driver_sql`. Only public SQLAlchemy interfaces are used, so
everything `exec_driver_sql` does stays as on the normal path: the transaction checks and
autobegin, `echo` logging, the `before_cursor_execute` / `after_cursor_execute` listeners, and
a driver error raised as the same `sqlalchemy.exc.IntegrityError` (etc.).

What this module does as the normal path does:
- bind processors (TypeDecorators such as UTCDateTime, JSON serialisation) and result
  processors (instants read back aware, JSON parsed), taken from each type's dialect
  implementation; a failing bind processor or a missing value is a `StatementError`;
- both paramstyles in use: sqlite3's qmark (a tuple in the compiled position order) and
  psycopg's pyformat (a dict under the compiled, possibly escaped, names).

Statements with Python-side column defaults, expanding (`IN`) or literal-execute parameters
are refused when compiled: they need the full execution context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import (
    InvalidRequestError,
    MultipleResultsFound,
    NoResultFound,
    StatementError,
)
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.sql.expression import ClauseElement, Executable

_Processor = Callable[[Any], Any]
Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class FastResult:
    """What a fast statement returns: the driver's rowcount and the processed rows."""

    rowcount: int
    keys: tuple[str, ...]
    rows: list[Row]

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def scalar_one(self) -> Any:
        """The single row's first column; errors as `Result.scalar_one`."""
        if not self.rows:
            raise NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.rows[0][0]

    def scalar_one_or_none(self) -> Any:
        return None if not self.rows else self.scalar_one()

    def mappings(self) -> Iterator[dict[str, Any]]:
        """Each row as a dict keyed by column name or label."""
        keys = self.keys
        return (dict(zip(keys, row, strict=True)) for row in self.rows)


@dataclass(slots=True)
class _Plan:
    """One compiled form: its SQL and how to turn a parameter dict into the driver's values."""

    sql: str
    positional: bool
    # Per driver value: the caller's parameter name (or None for a value fixed in the
    # statement), the fixed value, and the bind processor (or None).
    slots: tuple[tuple[str | None, Any, _Processor | None], ...]
    names: tuple[str, ...]  # driver parameter names (pyformat only)
    sequence: Callable[[list[Any]], Any]
    types: tuple[Any, ...]  # the result columns' types (empty: rows go out as fetched)
    returns_rows: bool
    # Result processors by the cursor's column type codes, found on first use.
    result_processors: dict[tuple[Any, ...], tuple[_Processor | None, ...]] = field(
        default_factory=dict
    )

    def bind(self, params: Mapping[str, Any]) -> Any:
        values = []
        for source, fixed, proc in self.slots:
            value = fixed if source is None else params[source]
            values.append(value if proc is None else proc(value))
        if self.positional:
            return self.sequence(values)
        return dict(zip(self.names, values, strict=True))

    def processors(self, dialect: Dialect, description: Any) -> tuple[_Processor | None, ...]:
        codes = tuple(d[1] for d in description)
        found = self.result_processors.get(codes)
        if found is None:
            found = tuple(
                t.dialect_impl(dialect).result_processor(dialect, code)
                for t, code in zip(self.types, codes, strict=True)
            )
            self.result_processors[codes] = found
        return found


class FastStatement:
    """A statement built once at import time and sent as compiled SQL (module docstring).

    Parameters are passed as on `Connection.execute`: a dict of column or bindparam names.
    Each distinct set of names is compiled once per dialect, as SQLAlchemy compiles an INSERT
    or UPDATE for the columns the parameters name.
    """

    def __init__(self, statement: Executable) -> None:
        if not isinstance(statement, ClauseElement):
            raise TypeError(f"a fast statement is a Core statement, not {type(statement)!r}")
        self.statement = statement
        self._plans: WeakKeyDictionary[Dialect, dict[tuple[str, ...], _Plan]] = WeakKeyDictionary()

    def execute(self, conn: Connection, params: Mapping[str, Any] | None = None) -> FastResult:
        """Run once with one parameter dict."""
        given = params or {}
        plan = self._plan(conn.dialect, given)
        return _run(conn, plan, _bound(plan, [given])[0])

    def executemany(self, conn: Connection, params: Sequence[Mapping[str, Any]]) -> FastResult:
        """Run with several parameter dicts (one `executemany`); all name the same keys."""
        if not params:
            raise ValueError("executemany needs at least one parameter set")
        if len(params) == 1:
            return self.execute(conn, params[0])
        plan = self._plan(conn.dialect, params[0])
        if plan.returns_rows:
            raise InvalidRequestError("a fast statement that returns rows runs one set at a time")
        return _run(conn, plan, _bound(plan, params))

    def _plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        by_names = self._plans.get(dialect)
        if by_names is None:
            by_names = self._plans.setdefault(dialect, {})
        names = tuple(params)
        plan = by_names.get(names)
        if plan is None:
            plan = by_names[names] = _compile(self.statement, dialect, names)
        return plan


def _result_types(statement: ClauseElement) -> tuple[Any, ...]:
    """The types of the columns a statement returns (SELECT or RETURNING); () for text."""
    columns = getattr(statement, "exported_columns", None)
    return tuple(c.type for c in columns) if columns is not None else ()


def _check_fast(compiled: SQLCompiler) -> None:
    """Refuse what only `Connection.execute` does: Python-side defaults, expanded parameters."""
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise InvalidRequestError(
            "a fast statement cannot apply Python-side column defaults: "
            "pass every column with a default, or use Connection.execute"
        )
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise InvalidRequestError(
            "a fast statement cannot expand IN lists or literal-execute parameters: "
            "use Connection.execute"
        )


def _sources(compiled: SQLCompiler, names: tuple[str, ...]) -> dict[str, str | None]:
    """For each bind name of the compiled statement, the parameter that fills it; None when
    the bind's own value does."""
    given = frozenset(names)
    source: dict[str, str | None] = {}
    for bind, name in compiled.bind_names.items():
        if bind.key in given:
            source[name] = bind.key
        elif name in given:
            source[name] = name
        elif bind.required:
            source[name] = bind.key  # missing: binding reports it as execute() does
        else:
            source[name] = None
    return source


def _compile(statement: ClauseElement, dialect: Dialect, names: tuple[str, ...]) -> _Plan:
    dml = isinstance(statement, Insert | Update)
    types = _result_types(statement)
    # Compiled as for executemany unless the statement asks for RETURNING: that leaves out
    # the implicit `RETURNING id` PostgreSQL adds to fill `inserted_primary_key`, which
    # nothing here reads (the rows written are the same).
    returning = dml and bool(types)
    compiled = cast(
        SQLCompiler,
        statement.compile(
            dialect=dialect,
            column_keys=list(names) if dml else None,
            for_executemany=dml and not returning,
        ),
    )
    _check_fast(compiled)
    source = _sources(compiled, names)
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    order = list(compiled.positiontup or ()) if compiled.positional else list(binds)
    slots = tuple(
        (
            source[n],
            binds[n].effective_value if source[n] is None else None,
            binds[n].type.dialect_impl(dialect).bind_processor(dialect),
        )
        for n in order
    )
    escaped = compiled.escaped_bind_names
    return _Plan(
        sql=compiled.string,
        positional=compiled.positional,
        slots=slots,
        names=tuple(escaped.get(n, n) for n in order),
        sequence=dialect.execute_sequence_format,
        types=types,
        returns_rows=bool(types) or not isinstance(statement, Insert | Update),
    )


def _bound(plan: _Plan, groups: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Each parameter dict as the driver takes it; a missing value or a failing bind
    processor raises the `StatementError` that `Connection.execute` raises."""
    bound = []
    for number, params in enumerate(groups):
        try:
            bound.append(plan.bind(params))
        except KeyError as exc:
            absent = next(s for s, _f, _p in plan.slots if s is not None and s not in params)
            where = f", in parameter group {number}" if number else ""
            problem = f"A value is required for bind parameter {absent!r}{where}"
            raise StatementError(problem, plan.sql, params, InvalidRequestError(problem)) from exc
        except Exception as exc:
            name = f"{type(exc).__module__}.{type(exc).__name__}"
            raise StatementError(f"({name}) {exc}", plan.sql, params, exc) from exc
    return bound


def _run(conn: Connection, plan: _Plan, values: Any) -> FastResult:
    result = conn.exec_driver_sql(plan.sql, values)
    try:
        if not result.returns_rows:
            return FastResult(int(result.rowcount), (), [])
        description = result.cursor.description
        keys = tuple(str(d[0]) for d in description)
        raw = result.fetchall()
        # A textual statement has no typed result columns: its rows go out as fetched.
        procs = plan.processors(conn.dialect, description) if plan.types else ()
        if any(p is not None for p in procs):
            rows = [
                tuple(v if p is None else p(v) for p, v in zip(procs, r, strict=True)) for r in raw
            ]
        else:
            rows = [tuple(r) for r in raw]
        return FastResult(int(result.rowcount), keys, rows)
    finally:
        result.close()

"""Prebuilt Core statements compiled once per dialect and run straight on the driver's cursor.

`Connection.execute` spends more CPU per statement than the driver does: it builds a cache
key, looks the compiled form up, builds an execution context and a result with its metadata.
A hot statement whose shape never changes needs none of that. `FastStatement` wraps one
statement built at import time, compiles it once per dialect and per set of parameter names,
and then only binds values and calls the cursor of the Connection's current transaction.

What stays exactly as on the normal path:
- bind processors (TypeDecorators such as UTCDateTime, JSON serialisation) and result
  processors (instants read back aware, JSON parsed), taken from the same compiled object;
- both paramstyles in use: sqlite3's qmark (a tuple in the compiled position order) and
  psycopg's pyformat (a dict under the compiled, possibly escaped, names);
- the engine's `before_cursor_execute` / `after_cursor_execute` listeners, fired when any are
  registered (context is None), so statement counters see every statement;
- errors: raised through `Connection._handle_dbapi_exception`, so a driver error becomes the
  same `sqlalchemy.exc.IntegrityError` (etc.) and a failing bind processor the same
  `StatementError`; the transaction checks and autobegin of `Connection.execute` run first.

Statements with Python-side column defaults, expanding (`IN`) or literal-execute parameters
are refused when compiled: they need the full execution context. With `echo` on, the normal
path runs so the log shows the statement as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.util import TransactionalContext
from sqlalchemy.exc import InvalidRequestError, MultipleResultsFound, NoResultFound
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
    keys: tuple[str, ...]
    types: tuple[Any, ...]
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
                t._cached_result_processor(dialect, code)
                for t, code in zip(self.types, codes, strict=True)
            )
            self.result_processors[codes] = found
        return found


class FastStatement:
    """A statement built once at import time and run on the DBAPI cursor (module docstring).

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
        if conn._echo:
            return self._normal(conn, given)
        plan = self._plan(conn.dialect, given)
        _check_transaction(conn)
        try:
            values = plan.bind(given)
        except BaseException as exc:  # noqa: BLE001 - the handler re-raises, as execute() does
            conn._handle_dbapi_exception(_missing(exc, [given], plan), plan.sql, given, None, None)
        return _run(conn, plan, values, many=False)

    def executemany(self, conn: Connection, params: Sequence[Mapping[str, Any]]) -> FastResult:
        """Run with several parameter dicts (one `executemany`); all name the same keys."""
        if not params:
            raise ValueError("executemany needs at least one parameter set")
        if len(params) == 1:
            return self.execute(conn, params[0])
        if conn._echo:
            return self._normal(conn, params)
        plan = self._plan(conn.dialect, params[0])
        if plan.returns_rows:
            raise InvalidRequestError("a fast statement that returns rows runs one set at a time")
        _check_transaction(conn)
        try:
            values = [plan.bind(p) for p in params]
        except BaseException as exc:  # noqa: BLE001 - the handler re-raises, as execute() does
            conn._handle_dbapi_exception(_missing(exc, params, plan), plan.sql, params, None, None)
        return _run(conn, plan, values, many=True)

    def _normal(
        self, conn: Connection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> FastResult:
        result = conn.execute(self.statement, cast(Any, params))
        if not result.returns_rows:
            return FastResult(result.rowcount, (), [])
        rows = [tuple(r) for r in result]
        return FastResult(result.rowcount, tuple(result.keys()), rows)

    def _plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        by_names = self._plans.get(dialect)
        if by_names is None:
            by_names = self._plans.setdefault(dialect, {})
        names = tuple(params)
        plan = by_names.get(names)
        if plan is None:
            plan = by_names[names] = _compile(self.statement, dialect, names)
        return plan


def _compile(statement: ClauseElement, dialect: Dialect, names: tuple[str, ...]) -> _Plan:
    dml = isinstance(statement, Insert | Update)
    # Compiled as for executemany unless the statement asks for RETURNING: that leaves out
    # the implicit `RETURNING id` PostgreSQL adds to fill `inserted_primary_key`, which
    # nothing here reads (the rows written are the same).
    returning = dml and bool(cast(Insert | Update, statement)._returning)
    compiled = cast(
        SQLCompiler,
        statement.compile(
            dialect=dialect,
            column_keys=list(names) if dml else None,
            for_executemany=dml and not returning,
        ),
    )
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
    given = frozenset(names)
    fixed = compiled.construct_params(escape_names=False, _check=False)
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
    processors = cast(Mapping[str, _Processor], compiled._bind_processors)
    order = list(compiled.positiontup or ()) if compiled.positional else list(fixed)
    slots = tuple(
        (source[n], fixed[n] if source[n] is None else None, processors.get(n)) for n in order
    )
    escaped = compiled.escaped_bind_names
    columns = compiled._result_columns
    return _Plan(
        sql=compiled.string,
        positional=compiled.positional,
        slots=slots,
        names=tuple(escaped.get(n, n) for n in order),
        sequence=dialect.execute_sequence_format,
        keys=tuple(c[0] for c in columns),
        types=tuple(c[3] for c in columns),
        returns_rows=bool(columns),
    )


def _missing(exc: BaseException, groups: Sequence[Mapping[str, Any]], plan: _Plan) -> BaseException:
    """A missing parameter as SQLAlchemy reports it; any other error unchanged."""
    if isinstance(exc, KeyError):
        for number, params in enumerate(groups):
            absent = [s for s, _f, _p in plan.slots if s is not None and s not in params]
            if absent and number:
                return InvalidRequestError(
                    f"A value is required for bind parameter {absent[0]!r}, "
                    f"in parameter group {number}"
                )
            if absent:
                return InvalidRequestError(f"A value is required for bind parameter {absent[0]!r}")
    return exc


def _check_transaction(conn: Connection) -> None:
    """The checks and the autobegin `Connection.execute` runs before each statement."""
    tx, nested = conn._transaction, conn._nested_transaction
    if (tx is not None and not tx.is_active) or (nested is not None and not nested.is_active):
        conn._invalid_transaction()
    elif conn._trans_context_manager:
        TransactionalContext._trans_ctx_check(conn)
    if tx is None:
        conn._autobegin()


def _run(conn: Connection, plan: _Plan, values: Any, *, many: bool) -> FastResult:
    dialect = conn.dialect
    sql = plan.sql
    cursor = None
    try:
        cursor = conn.connection.cursor()
        dispatch = conn.dispatch
        if dispatch.before_cursor_execute:
            for fn in dispatch.before_cursor_execute:
                sql, values = fn(conn, cursor, sql, values, None, many)
        if many:
            dialect.do_executemany(cursor, sql, values, None)
        else:
            dialect.do_execute(cursor, sql, values, None)
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(conn, cursor, sql, values, None, many)
        rows: list[Row] = []
        keys = plan.keys
        description = cursor.description
        if description is not None:
            raw = cursor.fetchall()
            # A textual statement has no typed result columns: its rows go out as fetched.
            procs = plan.processors(dialect, description) if plan.types else ()
            keys = keys or tuple(d[0] for d in description)
            if any(p is not None for p in procs):
                rows = [
                    tuple(v if p is None else p(v) for p, v in zip(procs, r, strict=True))
                    for r in raw
                ]
            else:
                rows = [tuple(r) for r in raw]
        rowcount = int(cursor.rowcount)
        cursor.close()
    except BaseException as exc:  # noqa: BLE001 - the handler re-raises, as execute() does
        # As in Connection.execute once a statement is under way: driver errors are wrapped
        # (IntegrityError...), any other error propagates as it is.
        wrap = isinstance(exc, dialect.loaded_dbapi.Error)
        conn._handle_dbapi_exception(exc, sql if wrap else None, values, cursor, None)
    return FastResult(rowcount, keys, rows)

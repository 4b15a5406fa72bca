"""Online backups: a consistent snapshot of every table as JSON lines, sealed fields untouched.

The file is one header line (format, schema revision, engine, the newest signed audit
checkpoint, each table's columns), one line per row (`{"t": table, "v": [values]}`, binary
values in base64, instants in ISO 8601) and a trailer with the row count and the SHA-256 of
every line before it, so a truncated or edited file is refused before anything is restored.
Encrypted columns are copied as the ciphertext they are: the file holds no secret in clear
and restores only where the same keyring is configured.

Consistency: SQLite is first copied with its online backup API (a snapshot that readers and
writers do not block), then read from the copy; PostgreSQL is read in one REPEATABLE READ,
READ ONLY transaction, which sees every table as of the same instant.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from alembic.migration import MigrationContext
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    LargeBinary,
    Table,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from vulndesk.adapters.storage.schema import metadata
from vulndesk.adapters.storage.types import UTCDateTime
from vulndesk.domain.errors import Conflict, InvalidInput

FORMAT = "vulndesk-backup"
VERSION = 1
_BATCH = 1000
# Tables that are the migration tool's, not vulndesk's data.
_NOT_DATA = {"alembic_version"}
# One-row tables every migrated database starts with (the chain's head, the reference data's
# version): a restore replaces them last, after triggers on other tables have moved them.
_SEEDED = {"audit_head", "reference_version"}


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup file holds, as written or as restored."""

    engine: str
    revision: str
    tables: int
    rows: int
    checkpoint: dict[str, Any] | None


def write(
    engine: Engine, target: Path, checkpoint: dict[str, Any] | None, now: dt.datetime
) -> BackupSummary:
    """Write a consistent snapshot of `engine`'s database to `target` (created 0600, atomically)."""
    if target.exists():
        raise InvalidInput(
            str(target), "already exists", "name a new file; backups are never overwritten"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out, _snapshot(engine) as conn:
            summary = _export(conn, out, engine.dialect.name, checkpoint, now)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return summary


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees the whole database as of one instant."""
    if engine.dialect.name == "postgresql":
        with (
            engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ) as conn,
            conn.begin(),
        ):
            yield conn
        return
    database = make_url(str(engine.url)).database or ""
    with tempfile.TemporaryDirectory(prefix="vulndesk-backup-") as folder:
        copy = Path(folder) / "snapshot.db"
        with engine.connect() as live:
            source = live.connection.driver_connection
            if not isinstance(source, sqlite3.Connection):
                raise TypeError(f"not a SQLite connection: {database}")
            dest = sqlite3.connect(copy)
            try:
                source.backup(dest)
            finally:
                dest.close()
        snap = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
        try:
            with snap.connect() as conn:
                yield conn
        finally:
            snap.dispose()


def _tables(conn: Connection) -> list[Table]:
    """vulndesk's tables in dependency order; a table the schema does not declare is refused,
    so a backup never silently leaves data behind."""
    present = set(inspect(conn).get_table_names()) - _NOT_DATA
    unknown = present - set(metadata.tables)
    if unknown:
        raise Conflict(
            f"the database holds tables this vulndesk does not know ({', '.join(sorted(unknown))});"
            " back it up with the vulndesk version that made them"
        )
    return [t for t in metadata.sorted_tables if t.name in present]


def _revision(conn: Connection) -> str:
    heads = sorted(MigrationContext.configure(conn).get_current_heads())
    if not heads:
        raise InvalidInput("database", "has no schema", "run `vulndesk init` first")
    return ",".join(heads)


def _export(
    conn: Connection,
    out: IO[str],
    dialect: str,
    checkpoint: dict[str, Any] | None,
    now: dt.datetime,
) -> BackupSummary:
    tables = _tables(conn)
    digest = hashlib.sha256()

    def line(obj: Any) -> None:
        data = json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n"
        digest.update(data.encode())
        out.write(data)

    revision = _revision(conn)
    line(
        {
            "format": FORMAT,
            "version": VERSION,
            "created_at": now.isoformat(),
            "engine": dialect,
            "revision": revision,
            "checkpoint": checkpoint,
            "tables": {t.name: [c.name for c in t.columns] for t in tables},
        }
    )
    rows = 0
    for table in tables:
        order = list(table.primary_key.columns) or list(table.columns)
        result = conn.execution_options(yield_per=_BATCH).execute(select(table).order_by(*order))
        for row in result:
            line({"t": table.name, "v": [_encode(v) for v in row]})
            rows += 1
    out.write(json.dumps({"end": True, "rows": rows, "sha256": digest.hexdigest()}) + "\n")
    return BackupSummary(dialect, revision, len(tables), rows, checkpoint)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _decoder(table: Table) -> list[Any]:
    out: list[Any] = []
    for col in table.columns:
        kind = col.type
        if isinstance(kind, LargeBinary):
            out.append(lambda v: None if v is None else base64.b64decode(v))
        elif isinstance(kind, UTCDateTime):
            out.append(lambda v: None if v is None else dt.datetime.fromisoformat(v))
        elif isinstance(kind, Date):
            out.append(lambda v: None if v is None else dt.date.fromisoformat(v))
        else:
            out.append(lambda v: v)
    return out


def read_header(source: Path) -> dict[str, Any]:
    """The header of a backup file whose trailer checks out; anything else is refused."""
    digest = hashlib.sha256()
    header: dict[str, Any] | None = None
    trailer: dict[str, Any] | None = None
    count = 0
    with source.open("rb") as fh:
        for raw in fh:
            if trailer is not None:
                trailer = None  # something after the trailer: not a file this wrote
                break
            record = _parse(source, raw)
            if header is None:
                header = record
            elif record.get("end") is True:
                trailer = record
                continue
            else:
                count += 1
            digest.update(raw)
    if (
        header is None
        or header.get("format") != FORMAT
        or trailer is None
        or trailer.get("sha256") != digest.hexdigest()
        or trailer.get("rows") != count
    ):
        raise InvalidInput(
            str(source), "is not a complete vulndesk backup", "a file written by `vulndesk backup`"
        )
    if header.get("version") != VERSION:
        raise InvalidInput(
            str(source), f"has backup format version {header.get('version')}", f"version {VERSION}"
        )
    return header


def _parse(source: Path, raw: bytes) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(
            str(source), "is not a vulndesk backup", "a file written by `vulndesk backup`"
        ) from exc
    if not isinstance(record, dict):
        raise InvalidInput(
            str(source), "is not a vulndesk backup", "a file written by `vulndesk backup`"
        )
    return record


def restore(engine: Engine, source: Path) -> BackupSummary:
    """Load a checked backup into `engine`'s database, which must be migrated and empty;
    everything is inserted in one transaction, so a failure leaves the database empty."""
    header = read_header(source)
    with engine.begin() as conn:
        revision = _revision(conn)
        if revision != header["revision"]:
            raise InvalidInput(
                str(source),
                f"was written at schema revision {header['revision']}, this database is at {revision}",
                "restore with the vulndesk version that wrote it, then upgrade",
            )
        tables = {t.name: t for t in _tables(conn)}
        _require_empty(conn, list(tables.values()))
        rows = _insert_all(conn, source, header, tables)
        _reset_sequences(conn, list(tables.values()))
    return BackupSummary(
        str(header["engine"]), revision, len(header["tables"]), rows, header["checkpoint"]
    )


def _require_empty(conn: Connection, tables: list[Table]) -> None:
    for table in tables:
        if table.name in _SEEDED:
            continue
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise Conflict(
                f"the database is not empty (table {table.name} has rows):"
                " restore only into a new, empty database"
            )


def _insert_all(
    conn: Connection, source: Path, header: dict[str, Any], tables: dict[str, Table]
) -> int:
    columns: dict[str, list[str]] = header["tables"]
    for name, cols in columns.items():
        table = tables.get(name)
        if table is None or [c.name for c in table.columns] != cols:
            raise InvalidInput(
                str(source), f"has table {name} in another shape", "the same vulndesk version"
            )
    decoders = {name: _decoder(tables[name]) for name in columns}
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    pending: list[dict[str, Any]] = []
    late: dict[str, list[dict[str, Any]]] = {name: [] for name in _SEEDED & set(columns)}
    current = ""
    rows = 0
    with source.open("rb") as fh:
        next(fh)  # the header
        for raw in fh:
            record = json.loads(raw)
            if record.get("end") is True:
                break
            name = record["t"]
            row = dict(zip(columns[name], _decoded(decoders[name], record["v"]), strict=True))
            rows += 1
            if name in late:
                late[name].append(row)
                continue
            if name != current or (len(pending) >= _BATCH and not _self_refs(tables[name])):
                _flush(conn, tables.get(current), pending)
                current = name
            pending.append(row)
    _flush(conn, tables.get(current), pending)
    for name, kept in late.items():
        conn.execute(tables[name].delete())
        _flush(conn, tables[name], kept)
    return rows


def _decoded(decoders: list[Any], values: list[Any]) -> list[Any]:
    return [dec(v) for dec, v in zip(decoders, values, strict=True)]


def _flush(conn: Connection, table: Table | None, pending: list[dict[str, Any]]) -> None:
    if table is not None and pending:
        conn.execute(table.insert(), _parents_first(table, pending))
    pending.clear()


def _self_refs(table: Table) -> list[tuple[str, str]]:
    """(column, referenced column) of each foreign key a table has to itself."""
    return [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows ordered so each row's parent in the same table comes before it (a unit's parent
    unit): PostgreSQL checks such a key at once, even inside the transaction."""
    refs = _self_refs(table)
    if not refs:
        return rows
    placed: set[tuple[str, Any]] = set()
    ordered: list[dict[str, Any]] = []
    left = list(rows)
    while left:
        ready = [r for r in left if all(r[c] is None or (t, r[c]) in placed for c, t in refs)]
        if not ready:  # a cycle or a missing parent: let the database name it
            return ordered + left
        for r in ready:
            ordered.append(r)
            placed.update((t, r[t]) for _, t in refs)
        taken = {id(r) for r in ready}
        left = [r for r in left if id(r) not in taken]
    return ordered


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL's identity sequences continue after the restored ids, not at 1."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1:
            continue
        seq = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": keys[0].name}
        ).scalar()
        if seq:
            top = conn.execute(select(func.max(keys[0]))).scalar()
            conn.execute(text("SELECT setval(:s, :v, false)"), {"s": seq, "v": int(top or 0) + 1})

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
    Engine,
    Table,
    create_engine,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from vulndesk.adapters.storage.schema import metadata
from vulndesk.domain.errors import Conflict, InvalidInput

FORMAT = "vulndesk-backup"
VERSION = 1
BATCH = 1000
# Tables that are the migration tool's, not vulndesk's data.
_NOT_DATA = {"alembic_version"}


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


def data_tables(conn: Connection) -> list[Table]:
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


def schema_revision(conn: Connection) -> str:
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
    tables = data_tables(conn)
    digest = hashlib.sha256()

    def line(obj: Any) -> None:
        data = json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n"
        digest.update(data.encode())
        out.write(data)

    revision = schema_revision(conn)
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
        result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
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

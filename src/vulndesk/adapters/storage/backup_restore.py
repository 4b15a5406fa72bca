"""Restoring a `vulndesk backup` file: checked whole first, then loaded in one transaction."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, Engine, LargeBinary, Table, func, select, text

from vulndesk.adapters.storage.backup import (
    BATCH,
    FORMAT,
    VERSION,
    BackupSummary,
    data_tables,
    schema_revision,
)
from vulndesk.adapters.storage.types import UTCDateTime
from vulndesk.domain.errors import Conflict, InvalidInput

# One-row tables every migrated database starts with (the chain's head, the reference data's
# version): a restore replaces them last, after triggers on other tables have moved them.
_SEEDED = {"audit_head", "reference_version"}


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
        revision = schema_revision(conn)
        if revision != header["revision"]:
            raise InvalidInput(
                str(source),
                f"was written at schema revision {header['revision']}, this database is at {revision}",
                "restore with the vulndesk version that wrote it, then upgrade",
            )
        tables = {t.name: t for t in data_tables(conn)}
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
            if name != current or (len(pending) >= BATCH and not _self_refs(tables[name])):
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

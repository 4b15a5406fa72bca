"""SQL snapshots: figures the worker computes ahead of the pages, sealed at rest."""

from __future__ import annotations

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage.tables.background import snapshots
from vulndesk.adapters.storage.tables.core import (
    case_facts,
    case_transitions,
    cases,
    reference_version,
)
from vulndesk.adapters.storage.tables.reports import ledger_entries
from vulndesk.services.background.ports import Snapshot


def _context(name: str) -> str:
    return f"snapshots.body:{name}"


class SqlSnapshotRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    def get(self, name: str) -> Snapshot | None:
        row = self.conn.execute(select(snapshots).where(snapshots.c.name == name)).first()
        if row is None:
            return None
        body = self.cipher.decrypt_text(row.body_enc, _context(name))
        return Snapshot(row.name, row.computed_at, row.fingerprint, body)

    def put(self, snapshot: Snapshot) -> None:
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        values = {
            "name": snapshot.name,
            "computed_at": snapshot.computed_at,
            "fingerprint": snapshot.fingerprint,
            "body_enc": self.cipher.encrypt_text(snapshot.body, _context(snapshot.name)),
        }
        stmt = dialect.insert(snapshots).values(**values)
        changes = {k: v for k, v in values.items() if k != "name"}
        self.conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=changes))

    def inputs_marker(self) -> str:
        # Each aggregate is an index end or an index count: no case row is read.
        row = self.conn.execute(
            select(
                select(func.count()).select_from(cases).scalar_subquery(),
                select(func.max(cases.c.id)).scalar_subquery(),
                select(func.max(cases.c.updated_at)).scalar_subquery(),
                select(func.max(case_facts.c.id)).scalar_subquery(),
                select(func.max(case_transitions.c.id)).scalar_subquery(),
                select(func.count()).select_from(ledger_entries).scalar_subquery(),
                select(func.max(ledger_entries.c.id)).scalar_subquery(),
                select(func.max(reference_version.c.n)).scalar_subquery(),
            )
        ).one()
        return "|".join("" if v is None else str(v) for v in row)

"""SQL repository of CSAF suppliers: their pinned keys and the documents fetched from them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.storage.tables.publication import csaf_supplier_documents, csaf_suppliers
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.services.publication.ports import Supplier, SupplierDocument


class SqlSupplierRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, supplier: Supplier) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(csaf_suppliers).values(
                        name=supplier.name,
                        metadata_url=supplier.metadata_url,
                        fingerprint=supplier.fingerprint,
                        unit_id=supplier.unit,
                        created_by=supplier.created_by,
                        created_at=supplier.created_at,
                        last_fetch_at=supplier.last_fetch_at,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"a supplier named {supplier.name!r} exists already") from exc

    def _id(self, name: str) -> int:
        found = self.conn.execute(
            select(csaf_suppliers.c.id).where(csaf_suppliers.c.name == name)
        ).scalar()
        if found is None:
            raise NotFound("supplier", name)
        return int(found)

    def get(self, name: str) -> Supplier:
        r = self.conn.execute(select(csaf_suppliers).where(csaf_suppliers.c.name == name)).first()
        if r is None:
            raise NotFound("supplier", name)
        return _supplier(r)

    def all(self) -> list[Supplier]:
        rows = self.conn.execute(select(csaf_suppliers).order_by(csaf_suppliers.c.name))
        return [_supplier(r) for r in rows]

    def by_url(self, metadata_url: str) -> list[Supplier]:
        t = csaf_suppliers
        rows = self.conn.execute(
            select(t).where(t.c.metadata_url == metadata_url).order_by(t.c.name)
        )
        return [_supplier(r) for r in rows]

    def set_fingerprint(self, name: str, fingerprint: str) -> None:
        t = csaf_suppliers
        self.conn.execute(update(t).where(t.c.id == self._id(name)).values(fingerprint=fingerprint))

    def fetched(self, name: str, at: dt.datetime) -> None:
        t = csaf_suppliers
        self.conn.execute(update(t).where(t.c.id == self._id(name)).values(last_fetch_at=at))

    def remove(self, name: str) -> None:
        key = self._id(name)
        d = csaf_supplier_documents
        self.conn.execute(delete(d).where(d.c.supplier_id == key))
        self.conn.execute(delete(csaf_suppliers).where(csaf_suppliers.c.id == key))

    def documents(self, name: str) -> list[SupplierDocument]:
        d = csaf_supplier_documents
        rows = self.conn.execute(
            select(d).where(d.c.supplier_id == self._id(name)).order_by(d.c.url)
        )
        return [_document(r) for r in rows]

    def document(self, name: str, url: str) -> SupplierDocument | None:
        d = csaf_supplier_documents
        r = self.conn.execute(
            select(d).where(d.c.supplier_id == self._id(name), d.c.url == url)
        ).first()
        return None if r is None else _document(r)

    def put_document(self, name: str, document: SupplierDocument) -> None:
        key = self._id(name)
        d = csaf_supplier_documents
        values = {
            "status": document.status,
            "detail": document.detail,
            "tracking_id": document.tracking_id,
            "tracking_version": document.tracking_version,
            "sha256": document.sha256,
            "fetched_at": document.fetched_at,
            "checked_at": document.checked_at,
        }
        where = (d.c.supplier_id == key, d.c.url == document.url)
        if self.conn.execute(select(d.c.id).where(*where)).first() is None:
            self.conn.execute(insert(d).values(supplier_id=key, url=document.url, **values))
        else:
            self.conn.execute(update(d).where(*where).values(**values))


def _supplier(r: Any) -> Supplier:
    return Supplier(
        r.name, r.metadata_url, r.fingerprint, r.unit_id, r.created_by, r.created_at,
        r.last_fetch_at,
    )  # fmt: skip


def _document(r: Any) -> SupplierDocument:
    return SupplierDocument(
        r.url, r.status, r.detail, r.tracking_id, r.tracking_version, r.sha256, r.fetched_at,
        r.checked_at,
    )  # fmt: skip

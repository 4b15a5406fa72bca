"""The SQL notification repository: product recipients, frozen notices (encrypted), HQ cursor."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.outbox import insert_ignoring
from vulndesk.adapters.storage.tables.notify import (
    notify_cursor,
    notify_messages,
    notify_product_recipients,
)
from vulndesk.adapters.storage.tables.reports import hq_notices
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.ids import CaseKey, PartyId, ProductId, UnitId
from vulndesk.services.notify.ports import NoticeMessage, ProductRecipient
from vulndesk.services.reports.ports import HqNotice

_HQ = "hq-notices"


def _ctx(key: str) -> str:
    return f"notify_messages.content:{key}"


class SqlNotificationRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    def subscribe(self, recipient: ProductRecipient) -> None:
        r = recipient
        t = notify_product_recipients
        seen = self.conn.execute(
            select(t.c.id).where(t.c.product_id == r.product, t.c.party_id == r.party)
        ).first()
        if seen is not None:
            raise Conflict(f"{r.party} already receives notices about {r.product}")
        self.conn.execute(
            insert(t).values(
                product_id=r.product,
                party_id=r.party,
                role=r.role,
                versions=list(r.versions),
                created_at=r.created_at,
                created_by=r.created_by,
            )
        )

    def unsubscribe(self, product: ProductId, party: PartyId) -> bool:
        t = notify_product_recipients
        done = self.conn.execute(delete(t).where(t.c.product_id == product, t.c.party_id == party))
        return bool(done.rowcount)

    def recipients(self, product: ProductId | None = None) -> list[ProductRecipient]:
        t = notify_product_recipients
        stmt = select(t).order_by(t.c.product_id, t.c.party_id)
        if product is not None:
            stmt = stmt.where(t.c.product_id == product)
        return [
            ProductRecipient(
                ProductId(r.product_id),
                PartyId(r.party_id),
                r.role,
                tuple(r.versions),
                r.created_at,
                r.created_by,
            )
            for r in self.conn.execute(stmt)
        ]

    def add_message(self, message: NoticeMessage) -> bool:
        m = message
        if m.content is None:
            raise ValueError("a notice is stored with its content")
        added = insert_ignoring(
            self.conn,
            notify_messages,
            "dedupe_key",
            {
                "dedupe_key": m.key,
                "case_key": m.case,
                "unit_id": m.unit,
                "kind": m.kind,
                "party_id": m.party,
                "party_kind": m.party_kind,
                "channel": m.channel,
                "address": m.address,
                "language": m.language,
                "content_enc": self.cipher.encrypt_text(m.content, _ctx(m.key)),
                "sha256": m.sha256,
                "fields": list(m.fields),
                "classes": list(m.classes),
                "draft_ref": m.draft_ref,
                "approvers": list(m.approvers),
                "created_at": m.created_at,
                "created_by": m.created_by,
            },
        )
        if added:
            evidence.note(self.conn, notify_messages, notify_messages.c.dedupe_key == m.key)
        return added

    def get_message(self, key: str) -> NoticeMessage:
        row = self.conn.execute(
            select(notify_messages).where(notify_messages.c.dedupe_key == key)
        ).first()
        if row is None:
            raise NotFound("notice", key)
        return self._message(row._mapping, content=True)

    def messages(self, case: CaseKey) -> list[NoticeMessage]:
        t = notify_messages
        rows = self.conn.execute(select(t).where(t.c.case_key == case).order_by(t.c.id))
        return [self._message(r._mapping, content=False) for r in rows]

    def mark_sent(self, key: str, at: dt.datetime, ledger_id: int) -> None:
        self.conn.execute(
            update(notify_messages)
            .where(notify_messages.c.dedupe_key == key)
            .values(sent_at=at, ledger_id=ledger_id)
        )
        evidence.note(self.conn, notify_messages, notify_messages.c.dedupe_key == key)

    def _message(self, m: Any, *, content: bool) -> NoticeMessage:
        text = (
            self.cipher.decrypt_text(m["content_enc"], _ctx(m["dedupe_key"])) if content else None
        )
        return NoticeMessage(
            key=m["dedupe_key"],
            case=CaseKey(m["case_key"]),
            unit=UnitId(m["unit_id"]),
            kind=m["kind"],
            party=PartyId(m["party_id"]),
            party_kind=m["party_kind"],
            channel=m["channel"],
            address=m["address"],
            language=m["language"],
            content=text,
            sha256=m["sha256"],
            fields=tuple(m["fields"]),
            classes=tuple(m["classes"]),
            draft_ref=m["draft_ref"],
            approvers=tuple(m["approvers"]),
            created_at=m["created_at"],
            created_by=m["created_by"],
            sent_at=m["sent_at"],
            ledger_id=None if m["ledger_id"] is None else int(m["ledger_id"]),
        )

    def hq_cursor(self) -> int:
        found = self.conn.execute(
            select(notify_cursor.c.last_id).where(notify_cursor.c.name == _HQ)
        ).scalar_one_or_none()
        return 0 if found is None else int(found)

    def set_hq_cursor(self, last_id: int) -> None:
        if not insert_ignoring(self.conn, notify_cursor, "name", {"name": _HQ, "last_id": last_id}):
            self.conn.execute(
                update(notify_cursor)
                .where(notify_cursor.c.name == _HQ, notify_cursor.c.last_id < last_id)
                .values(last_id=last_id)
            )

    def hq_notices_after(self, last_id: int, limit: int) -> list[HqNotice]:
        stmt = select(hq_notices).where(hq_notices.c.id > last_id).order_by(hq_notices.c.id)
        return [_hq(r._mapping) for r in self.conn.execute(stmt.limit(limit))]

    def hq_notice(self, notice_id: int) -> HqNotice:
        row = self.conn.execute(select(hq_notices).where(hq_notices.c.id == notice_id)).first()
        if row is None:
            raise NotFound("hq notice", str(notice_id))
        return _hq(row._mapping)


def _hq(m: Any) -> HqNotice:
    return HqNotice(
        int(m["id"]),
        m["created_at"],
        CaseKey(m["case_key"]),
        m["event"],
        m["draft_ref"],
        PartyId(m["recipient_id"]),
    )

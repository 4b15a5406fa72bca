"""SQL repositories for public intake and for idempotent request records."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.attachments import SqlAttachmentStore
from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage.tables import cases
from vulndesk.adapters.storage.tables_intake import (
    idempotency_keys,
    intake_messages,
    intake_receipts,
    intake_reports,
    rate_windows,
)
from vulndesk.domain.errors import NotFound
from vulndesk.services.ports_intake import (
    IdempotencyKeyTaken,
    IntakeMessage,
    IntakeRecord,
    Receipt,
    StoredAttachment,
    StoredResponse,
    Upload,
)


def message_context(tracking: str) -> str:
    return f"intake_messages.body:{tracking}"


def source_key(cipher: FieldCipher) -> bytes:
    """A key for hashing source addresses, derived from (never equal to) the current data key."""
    return hmac.new(
        cipher.ring.keys[cipher.ring.current], b"vulndesk:intake-source:v1", hashlib.sha256
    ).digest()


class SqlIntakeRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher
        self.files = SqlAttachmentStore(conn, cipher)

    def _source_hmac(self, address: str) -> str:
        return hmac.new(source_key(self.cipher), address.encode(), hashlib.sha256).hexdigest()

    def add(self, record: IntakeRecord) -> None:
        self.conn.execute(
            insert(intake_reports).values(
                tracking=record.tracking,
                case_key=record.case_key,
                token_hash=record.token_hash,
                channel=record.channel,
                language=record.language,
                product=record.product,
                received_at=record.received_at,
            )
        )

    def get(self, tracking: str) -> IntakeRecord:
        row = self.conn.execute(
            select(intake_reports).where(intake_reports.c.tracking == tracking)
        ).first()
        if row is None:
            raise NotFound("intake report", tracking)
        return _record(row._mapping)

    def get_with_state(self, tracking: str) -> tuple[IntakeRecord, str]:
        """The report and the state of its case, in one statement."""
        stmt = (
            select(intake_reports, cases.c.state.label("case_state"))
            .join(cases, cases.c.key == intake_reports.c.case_key)
            .where(intake_reports.c.tracking == tracking)
        )
        row = self.conn.execute(stmt).first()
        if row is None:
            raise NotFound("intake report", tracking)
        return _record(row._mapping), str(row.case_state)

    def recent(self, limit: int) -> list[IntakeRecord]:
        stmt = select(intake_reports).order_by(intake_reports.c.id.desc()).limit(limit)
        return [_record(r._mapping) for r in self.conn.execute(stmt)]

    def add_attachment(self, tracking: str, upload: Upload, at: dt.datetime) -> None:
        self.files.add(tracking, upload, at)

    def attachments(self, tracking: str) -> list[StoredAttachment]:
        return self.files.for_report(tracking)

    def attachment_content(self, tracking: str, sha256: str) -> bytes:
        return self.files.content(tracking, sha256)

    def add_message(self, tracking: str, author: str, body: str, at: dt.datetime) -> None:
        self.conn.execute(
            insert(intake_messages).values(
                tracking=tracking,
                author=author,
                body_enc=self.cipher.encrypt_text(body, message_context(tracking)),
                at=at,
            )
        )

    def messages(self, tracking: str) -> list[IntakeMessage]:
        m = intake_messages.c
        rows = self.conn.execute(
            select(m.author, m.body_enc, m.at).where(m.tracking == tracking).order_by(m.id)
        )
        return [
            IntakeMessage(
                r.author, self.cipher.decrypt_text(r.body_enc, message_context(tracking)), r.at
            )
            for r in rows
        ]

    def add_receipt(
        self, at: dt.datetime, channel: str, source_address: str, size: int, tracking: str
    ) -> None:
        self.conn.execute(
            insert(intake_receipts).values(
                at=at,
                channel=channel,
                source_hmac=self._source_hmac(source_address),
                size=size,
                tracking=tracking,
            )
        )

    def receipts(self, limit: int) -> list[Receipt]:
        r = intake_receipts.c
        rows = self.conn.execute(select(intake_receipts).order_by(r.id.desc()).limit(limit))
        return [Receipt(x.at, x.channel, x.source_hmac, int(x.size), x.tracking) for x in rows]

    def purge_receipts(self, before: dt.datetime) -> int:
        result = self.conn.execute(delete(intake_receipts).where(intake_receipts.c.at < before))
        return int(result.rowcount)

    def hit(self, source_address: str, window: int) -> int:
        """Count one request in a fixed window; one upsert, so it holds across processes."""
        client = self._source_hmac(source_address)
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(rate_windows).values(client=client, window=window, hits=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["client", "window"], set_={"hits": rate_windows.c.hits + 1}
        ).returning(rate_windows.c.hits)
        hits = int(self.conn.execute(stmt).scalar_one())
        if hits == 1:
            self.conn.execute(
                delete(rate_windows).where(
                    rate_windows.c.client == client, rate_windows.c.window < window
                )
            )
        return hits


def _record(row: Any) -> IntakeRecord:
    return IntakeRecord(
        row["tracking"],
        row["case_key"],
        row["token_hash"],
        row["channel"],
        row["language"],
        row["product"],
        row["received_at"],
    )


class SqlIdempotencyStore:
    """Stored responses of creating requests, keyed by (scope, Idempotency-Key)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, scope: str, key: str) -> StoredResponse | None:
        """The stored response; on PostgreSQL also lock the key until this transaction ends.

        The lock makes a concurrent twin wait and then replay, instead of doing the work twice
        and losing on the primary key (SQLite's BEGIN IMMEDIATE already serialises writers).
        """
        if self.conn.dialect.name == "postgresql":
            digest = hashlib.sha256(f"{scope}\n{key}".encode()).digest()
            lock_id = int.from_bytes(digest[:8], "big", signed=True)
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        t = idempotency_keys.c
        row = self.conn.execute(
            select(t.request_hash, t.status, t.body).where(t.scope == scope, t.key == key)
        ).first()
        return None if row is None else StoredResponse(row.request_hash, int(row.status), row.body)

    def put(self, scope: str, key: str, response: StoredResponse, now: dt.datetime) -> None:
        try:
            self.conn.execute(
                insert(idempotency_keys).values(
                    scope=scope,
                    key=key,
                    request_hash=response.request_hash,
                    status=response.status,
                    body=response.body,
                    created_at=now,
                )
            )
        except IntegrityError as exc:
            raise IdempotencyKeyTaken(
                f"Idempotency-Key {key!r} was used by a concurrent request"
            ) from exc

    def purge(self, before: dt.datetime) -> int:
        """Delete keys stored before `before`; the number removed."""
        t = idempotency_keys.c
        return int(
            self.conn.execute(delete(idempotency_keys).where(t.created_at < before)).rowcount
        )

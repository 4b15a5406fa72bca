"""SQL repositories for public intake and for idempotent request records."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from types import ModuleType
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.attachments import SqlAttachmentStore
from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.tables.core import cases
from vulndesk.adapters.storage.tables.intake import (
    idempotency_keys,
    intake_mailings,
    intake_messages,
    intake_receipts,
    intake_reports,
    rate_windows,
)
from vulndesk.domain.errors import NotFound
from vulndesk.domain.intake import IntakeRecord
from vulndesk.services.intake.ports import (
    IdempotencyKeyTaken,
    IntakeMessage,
    Mailing,
    Receipt,
    StoredAttachment,
    StoredResponse,
    Upload,
)

# The statements of every public report and status read, prebuilt (see fast.py).
_ADD_REPORT = FastStatement(insert(intake_reports))
_ADD_RECEIPT = FastStatement(insert(intake_receipts))
_w = rate_windows.c
# The report, its case's state and the caller's failures in the current window: a status
# read that is not throttled costs no statement more than one without throttling.
_FOR_REPORTER = FastStatement(
    select(
        intake_reports,
        cases.c.state.label("case_state"),
        select(_w.hits)
        .where(_w.client == bindparam("client"), _w.window == bindparam("window"))
        .scalar_subquery()
        .label("failures"),
    )
    .join(cases, cases.c.key == intake_reports.c.case_key)
    .where(intake_reports.c.tracking == bindparam("tracking"))
)
_m = intake_messages.c
_MESSAGES = FastStatement(
    select(_m.author, _m.body_enc, _m.at)
    .where(_m.tracking == bindparam("tracking"))
    .order_by(_m.id)
)


def _hit(dialect: ModuleType) -> FastStatement:
    """The rate-window upsert in the dialect's own INSERT ... ON CONFLICT."""
    stmt = dialect.insert(rate_windows).on_conflict_do_update(
        index_elements=["client", "window"], set_={"hits": rate_windows.c.hits + 1}
    )
    return FastStatement(stmt.returning(rate_windows.c.hits))


_HIT = {"postgresql": _hit(postgresql), "sqlite": _hit(sqlite)}
_i = idempotency_keys.c
_IDEMPOTENCY_GET = FastStatement(
    select(_i.request_hash, _i.status, _i.body_enc).where(
        _i.scope == bindparam("scope"), _i.key == bindparam("key")
    )
)
_IDEMPOTENCY_LOCK = FastStatement(text("SELECT pg_advisory_xact_lock(:id)"))
# Set in `Connection.info` while the transaction holds the group commit's turn (uow.py).
TURN_HELD = "vd_turn_held"
_IDEMPOTENCY_PUT = FastStatement(insert(idempotency_keys))


def message_context(tracking: str) -> str:
    return f"intake_messages.body:{tracking}"


def mailing_context(tracking: str) -> str:
    return f"intake_mailings.recipient:{tracking}"


def response_context(scope: str, key: str, request_hash: str, status: int) -> str:
    """The associated data of a stored response: it opens only under its own scope, key,
    request and status (a ciphertext copied to another caller's row does not decrypt)."""
    return f"idempotency_keys.body:{scope}\n{key}\n{request_hash}\n{status}"


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
        _ADD_REPORT.execute(
            self.conn,
            {
                "tracking": record.tracking,
                "case_key": record.case_key,
                "token_hash": record.token_hash,
                "channel": record.channel,
                "language": record.language,
                "product": record.product,
                "received_at": record.received_at,
            },
        )

    def get(self, tracking: str) -> IntakeRecord:
        row = self.conn.execute(
            select(intake_reports).where(intake_reports.c.tracking == tracking)
        ).first()
        if row is None:
            raise NotFound("intake report", tracking)
        return _record(row._mapping)

    def for_reporter(
        self, tracking: str, counter: str, window: int
    ) -> tuple[IntakeRecord | None, str, int]:
        """The report (None if unknown), its case's state, and the count `hit(counter, window)`
        has reached: one statement."""
        params = {"tracking": tracking, "client": self._source_hmac(counter), "window": window}
        row = next(_FOR_REPORTER.execute(self.conn, params).mappings(), None)
        if row is None:
            return None, "", 0
        return _record(row), str(row["case_state"]), int(row["failures"] or 0)

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
        rows = _MESSAGES.execute(self.conn, {"tracking": tracking}).rows
        context = message_context(tracking)
        return [
            IntakeMessage(author, self.cipher.decrypt_text(body, context), at)
            for author, body, at in rows
        ]

    def add_mailing(self, mailing: Mailing) -> None:
        m = mailing
        new_id = self.conn.execute(
            insert(intake_mailings)
            .values(
                tracking=m.tracking,
                message=m.message,
                recipient_enc=self.cipher.encrypt_text(m.recipient, mailing_context(m.tracking)),
                recipient_sha256=hashlib.sha256(m.recipient.lower().encode()).hexdigest(),
                encrypted=m.encrypted,
                message_id=m.message_id[:300],
                sent_at=m.sent_at,
            )
            .returning(intake_mailings.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, intake_mailings, [new_id])

    def mailings(self, tracking: str) -> list[Mailing]:
        t = intake_mailings
        rows = self.conn.execute(
            select(t).where(t.c.tracking == tracking).order_by(t.c.sent_at, t.c.id)
        )
        context = mailing_context(tracking)
        return [
            Mailing(
                r.tracking,
                r.message,
                self.cipher.decrypt_text(r.recipient_enc, context),
                r.encrypted,
                r.message_id,
                r.sent_at,
            )
            for r in rows
        ]

    def add_receipt(
        self, at: dt.datetime, channel: str, source_address: str, size: int, tracking: str
    ) -> None:
        _ADD_RECEIPT.execute(
            self.conn,
            {
                "at": at,
                "channel": channel,
                "source_hmac": self._source_hmac(source_address),
                "size": size,
                "tracking": tracking,
            },
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
        upsert = _HIT["postgresql" if self.conn.dialect.name == "postgresql" else "sqlite"]
        hits = int(
            upsert.execute(self.conn, {"client": client, "window": window, "hits": 1}).scalar_one()
        )
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
    """Stored responses of creating requests, keyed by (scope, Idempotency-Key), sealed with
    the field cipher: a response may hold secret fields and a reporter's follow-up token."""

    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    def get(self, scope: str, key: str) -> StoredResponse | None:
        """The stored response; on PostgreSQL also lock the key until this transaction ends.

        The lock makes a concurrent twin wait and then replay, instead of doing the work twice
        and losing on the primary key (SQLite's BEGIN IMMEDIATE already serialises writers; a
        group commit's turn serialises the transactions that hold it). Either way a twin that
        slips past loses on the primary key and replays, so the lock only saves work.
        """
        if self.conn.dialect.name == "postgresql" and not self.conn.info.get(TURN_HELD):
            digest = hashlib.sha256(f"{scope}\n{key}".encode()).digest()
            lock_id = int.from_bytes(digest[:8], "big", signed=True)
            _IDEMPOTENCY_LOCK.execute(self.conn, {"id": lock_id})
        row = _IDEMPOTENCY_GET.execute(self.conn, {"scope": scope, "key": key}).first()
        if row is None:
            return None
        request_hash, status = row[0], int(row[1])
        context = response_context(scope, key, request_hash, status)
        return StoredResponse(request_hash, status, self.cipher.decrypt_text(row[2], context))

    def put(self, scope: str, key: str, response: StoredResponse, now: dt.datetime) -> None:
        try:
            _IDEMPOTENCY_PUT.execute(
                self.conn,
                {
                    "scope": scope,
                    "key": key,
                    "request_hash": response.request_hash,
                    "status": response.status,
                    "body_enc": self.cipher.encrypt_text(
                        response.body,
                        response_context(scope, key, response.request_hash, response.status),
                    ),
                    "created_at": now,
                },
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

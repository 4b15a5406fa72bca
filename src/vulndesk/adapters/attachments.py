"""Encrypted attachment storage, kept in the database beside the report it belongs to.

The database (not files under `home/attachments`) holds them so an attachment commits or
rolls back with its report and idempotency key, appears in every backup, and is re-encrypted
by key rotation in the same pass as every other encrypted column. Ten megabytes times five
per report stays well within what SQLite and PostgreSQL store comfortably.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import Connection, insert, select

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage.tables.intake import intake_attachments
from vulndesk.services.intake.ports import StoredAttachment, Upload


def attachment_context(tracking: str, sha256: str) -> str:
    return f"intake_attachments.content:{tracking}:{sha256}"


class SqlAttachmentStore:
    """Adds and lists attachments; content is AES-GCM encrypted and bound to its report."""

    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    def add(self, tracking: str, upload: Upload, at: dt.datetime) -> None:
        digest = hashlib.sha256(upload.content).hexdigest()
        self.conn.execute(
            insert(intake_attachments).values(
                tracking=tracking,
                name=upload.name,
                media_type=upload.media_type,
                size=len(upload.content),
                sha256=digest,
                content_enc=self.cipher.encrypt(
                    upload.content, attachment_context(tracking, digest)
                ),
                at=at,
            )
        )

    def for_report(self, tracking: str) -> list[StoredAttachment]:
        t = intake_attachments.c
        rows = self.conn.execute(
            select(t.name, t.media_type, t.size, t.sha256)
            .where(t.tracking == tracking)
            .order_by(t.id)
        )
        return [StoredAttachment(r.name, r.media_type, int(r.size), r.sha256) for r in rows]

    def content(self, tracking: str, sha256: str) -> bytes:
        t = intake_attachments.c
        blob = self.conn.execute(
            select(t.content_enc).where(t.tracking == tracking, t.sha256 == sha256)
        ).scalar_one()
        return self.cipher.decrypt(blob, attachment_context(tracking, sha256))

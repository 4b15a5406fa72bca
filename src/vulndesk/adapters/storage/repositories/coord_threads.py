"""SQL rows of coordination's threads: messages (sealed), their files (sealed) and read markers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.coord_contexts import (
    file_ctx,
    message_ctx,
    sha_text,
)
from vulndesk.adapters.storage.tables.coordination import (
    coord_attachments,
    coord_messages,
    coord_reads,
)
from vulndesk.domain.threads import MessageFile, ThreadMessage, ThreadSummary
from vulndesk.services.intake.ports import Upload

M = coord_messages
R = coord_reads
F = coord_attachments


class ThreadRows:
    """The threads part of `SqlCoordinationRepository`."""

    conn: Connection
    cipher: FieldCipher

    # threads

    def add_message(
        self,
        case: str,
        participant: int | None,
        author: str,
        at: dt.datetime,
        body: str,
        files: Sequence[Upload] = (),
    ) -> ThreadMessage:
        digest = sha_text(body)
        new_id = self.conn.execute(
            insert(M)
            .values(
                case_key=case,
                participant_id=participant,
                author=author,
                at=at,
                body_enc=self.cipher.encrypt_text(body, message_ctx(case, digest)),
                sha256=digest,
            )
            .returning(M.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, M, [new_id])
        stored = []
        for upload in files:
            sha = hashlib.sha256(upload.content).hexdigest()
            file_id = self.conn.execute(
                insert(F)
                .values(
                    case_key=case,
                    message_id=new_id,
                    name=upload.name,
                    media_type=upload.media_type,
                    size=len(upload.content),
                    sha256=sha,
                    content_enc=self.cipher.encrypt(
                        upload.content, file_ctx(case, int(new_id), sha)
                    ),
                    at=at,
                )
                .returning(F.c.id)
            ).scalar_one()
            evidence.note_ids(self.conn, F, [file_id])
            stored.append(
                MessageFile(int(new_id), upload.name, upload.media_type, len(upload.content), sha)
            )
        return ThreadMessage(
            int(new_id), case, participant, author, at, body, digest, tuple(stored)
        )

    def _files(self, ids: Sequence[int]) -> dict[int, tuple[MessageFile, ...]]:
        found: dict[int, list[MessageFile]] = {}
        if not ids:
            return {}
        rows = self.conn.execute(
            select(F.c.message_id, F.c.name, F.c.media_type, F.c.size, F.c.sha256)
            .where(F.c.message_id.in_(list(ids)))
            .order_by(F.c.id)
        )
        for r in rows:
            found.setdefault(int(r.message_id), []).append(
                MessageFile(int(r.message_id), r.name, r.media_type, int(r.size), r.sha256)
            )
        return {k: tuple(v) for k, v in found.items()}

    def message_file(
        self, case: str, participant: int | None, message: int, sha256: str
    ) -> tuple[MessageFile, bytes] | None:
        which = (
            M.c.participant_id.is_(None)
            if participant is None
            else (M.c.participant_id == participant)
        )
        row = self.conn.execute(
            select(F.c.name, F.c.media_type, F.c.size, F.c.sha256, F.c.content_enc)
            .join(M, M.c.id == F.c.message_id)
            .where(
                M.c.case_key == case,
                which,
                F.c.case_key == case,
                F.c.message_id == message,
                F.c.sha256 == sha256,
            )
            .limit(1)
        ).first()
        if row is None:
            return None
        content = self.cipher.decrypt(row.content_enc, file_ctx(case, message, row.sha256))
        return MessageFile(message, row.name, row.media_type, int(row.size), row.sha256), content

    def messages(self, case: str, participant: int | None, limit: int = 200) -> list[ThreadMessage]:
        which = (
            M.c.participant_id.is_(None)
            if participant is None
            else (M.c.participant_id == participant)
        )
        rows = self.conn.execute(
            select(M).where(M.c.case_key == case, which).order_by(M.c.id.desc()).limit(limit)
        ).all()
        files = self._files([int(r._mapping["id"]) for r in rows])
        return [
            ThreadMessage(
                int(m["id"]),
                m["case_key"],
                int(m["participant_id"]) if m["participant_id"] is not None else None,
                m["author"],
                m["at"],
                self.cipher.decrypt_text(m["body_enc"], message_ctx(m["case_key"], m["sha256"])),
                m["sha256"],
                files.get(int(m["id"]), ()),
            )
            for m in (r._mapping for r in reversed(rows))
        ]

    def thread_summaries(self, case: str) -> list[ThreadSummary]:
        rows = self.conn.execute(
            select(M.c.participant_id, func.count(), func.max(M.c.at))
            .where(M.c.case_key == case)
            .group_by(M.c.participant_id)
        )
        return [
            ThreadSummary(int(p) if p is not None else None, int(n), last) for p, n, last in rows
        ]

    # read markers

    def mark_read(
        self, account: str, case: str, participant: int | None, message_id: int, at: dt.datetime
    ) -> None:
        thread = "shared" if participant is None else str(participant)
        where = and_(R.c.account == account, R.c.case_key == case, R.c.thread == thread)
        found = self.conn.execute(select(R.c.last_message_id).where(where)).scalar_one_or_none()
        if found is None:
            values = {
                "account": account,
                "case_key": case,
                "thread": thread,
                "participant_id": participant,
                "last_message_id": message_id,
                "read_at": at,
            }
            try:
                with self.conn.begin_nested():
                    self.conn.execute(insert(R).values(**values))
                return
            except IntegrityError:  # a concurrent first read of the same thread
                pass
        self.conn.execute(
            update(R)
            .where(where, R.c.last_message_id < message_id)
            .values(last_message_id=message_id, read_at=at)
        )

    def unread(self, account: str, case: str) -> dict[int | None, int]:
        same_thread = or_(
            and_(M.c.participant_id.is_(None), R.c.participant_id.is_(None)),
            M.c.participant_id == R.c.participant_id,
        )
        joined = M.outerjoin(
            R, and_(R.c.account == account, R.c.case_key == M.c.case_key, same_thread)
        )
        rows = self.conn.execute(
            select(M.c.participant_id, func.count())
            .select_from(joined)
            .where(
                M.c.case_key == case,
                M.c.author != account,
                or_(R.c.last_message_id.is_(None), M.c.id > R.c.last_message_id),
            )
            .group_by(M.c.participant_id)
        )
        return {int(p) if p is not None else None: int(n) for p, n in rows}

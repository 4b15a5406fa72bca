"""SQL rows of the per-recipient watermarks of what leaves a coordinated case (recipient sealed)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.coord_contexts import (
    recipient_ctx,
    sha_text,
)
from vulndesk.adapters.storage.tables.coordination import (
    coord_watermarks,
)
from vulndesk.domain.errors import Conflict
from vulndesk.domain.watermark import Watermark

WM = coord_watermarks


class WatermarkRows:
    """The watermarks part of `SqlCoordinationRepository`."""

    conn: Connection
    cipher: FieldCipher

    # watermarks

    def add_watermark(self, mark: Watermark) -> None:
        taken = self.conn.execute(
            select(WM.c.id).where((WM.c.token == mark.token) | (WM.c.ref == mark.ref))
        ).first()
        if taken is not None:
            raise Conflict(f"watermark {mark.ref} is taken")
        new_id = self.conn.execute(
            insert(WM)
            .values(
                token=mark.token,
                ref=mark.ref,
                case_key=mark.case,
                participant_id=mark.participant,
                party_id=mark.party,
                recipient_enc=self.cipher.encrypt_text(
                    mark.recipient, recipient_ctx(mark.case, mark.token)
                ),
                recipient_sha256=sha_text(mark.recipient),
                kind=mark.kind,
                at=mark.at,
                by=mark.by,
                document_sha256=mark.document_sha256,
            )
            .returning(WM.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, WM, [new_id])

    def watermarks(self, tokens: Sequence[str], refs: Sequence[str]) -> list[Watermark]:
        wanted_tokens, wanted_refs = (
            list(dict.fromkeys(tokens))[:100],
            list(dict.fromkeys(refs))[:100],
        )
        if not wanted_tokens and not wanted_refs:
            return []
        rows = self.conn.execute(
            select(WM)
            .where(WM.c.token.in_(wanted_tokens) | WM.c.ref.in_(wanted_refs))
            .order_by(WM.c.id)
        ).all()
        return [
            Watermark(
                m["token"],
                m["ref"],
                m["case_key"],
                int(m["participant_id"]),
                m["party_id"],
                self.cipher.decrypt_text(
                    m["recipient_enc"], recipient_ctx(m["case_key"], m["token"])
                ),
                m["kind"],
                m["at"],
                m["by"],
                m["document_sha256"],
            )
            for m in (r._mapping for r in rows)
        ]

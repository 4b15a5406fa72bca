"""SQL repository of advisory revisions; their content is encrypted like report drafts.

The associated data names the table, case and revision number, so a ciphertext copied to
another row does not decrypt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.tables.advisories import advisory_approvals, advisory_revisions
from vulndesk.domain.drafts import Approval
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.services.advisories.ports import AdvisoryRecord

R = advisory_revisions


def content_ctx(case: str, number: int) -> str:
    return f"advisory_revisions.content:{case}/r{number}"


class SqlAdvisoryRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    def add(
        self,
        case: CaseKey,
        unit: UnitId,
        content: str,
        sha256: str,
        tlp: str,
        at: dt.datetime,
        by: str,
        cve: str | None = None,
    ) -> AdvisoryRecord:
        latest = self.conn.execute(
            select(func.max(R.c.number)).where(R.c.case_key == case)
        ).scalar_one()
        number = int(latest or 0) + 1
        # A revision not yet published is superseded by the new one.
        self.set_status_where(case, ("draft", "approved"), "superseded")
        new_id = self.conn.execute(
            insert(R)
            .values(
                case_key=case,
                unit_id=unit,
                number=number,
                content_enc=self.cipher.encrypt_text(content, content_ctx(case, number)),
                sha256=sha256,
                tlp=tlp,
                status="draft",
                created_at=at,
                created_by=by,
                cve_id=cve.strip().upper()[:20] if cve else None,
            )
            .returning(R.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, R, [new_id])
        return AdvisoryRecord(
            int(new_id), case, unit, number, content, sha256, tlp, "draft", at, by
        )

    def set_status_where(self, case: CaseKey, old: tuple[str, ...], new: str) -> None:
        ids = self.conn.execute(
            select(R.c.id).where(R.c.case_key == case, R.c.status.in_(old))
        ).scalars()
        found = [int(i) for i in ids]
        if found:
            self.conn.execute(update(R).where(R.c.id.in_(found)).values(status=new))
            evidence.note_ids(self.conn, R, found)

    def revisions(self, case: CaseKey) -> list[AdvisoryRecord]:
        rows = self.conn.execute(select(R).where(R.c.case_key == case).order_by(R.c.number))
        return [self._record(r._mapping) for r in rows]

    def published(self, limit: int = 1000) -> list[AdvisoryRecord]:
        rows = self.conn.execute(
            select(R)
            .where(R.c.published_at.is_not(None))
            .order_by(R.c.published_at.desc(), R.c.id.desc())
            .limit(limit)
        )
        return [self._record(r._mapping) for r in rows]

    def approve(self, revision_id: int, actor: str, unit: str | None, at: dt.datetime) -> None:
        new_id = self.conn.execute(
            insert(advisory_approvals)
            .values(revision_id=revision_id, actor=actor, unit_id=unit, at=at)
            .returning(advisory_approvals.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, advisory_approvals, [new_id])

    def set_status(self, revision_id: int, status: str) -> None:
        self.conn.execute(update(R).where(R.c.id == revision_id).values(status=status))
        evidence.note_ids(self.conn, R, [revision_id])

    def mark_published(self, revision_id: int, at: dt.datetime, by: str, csaf_version: str) -> None:
        self.conn.execute(
            update(R)
            .where(R.c.id == revision_id)
            .values(status="published", published_at=at, published_by=by, csaf_version=csaf_version)
        )
        evidence.note_ids(self.conn, R, [revision_id])

    def _record(self, m: Any) -> AdvisoryRecord:
        approvals = tuple(
            Approval(r.actor, r.unit_id, r.at)
            for r in self.conn.execute(
                select(advisory_approvals)
                .where(advisory_approvals.c.revision_id == m["id"])
                .order_by(advisory_approvals.c.id)
            )
        )
        return AdvisoryRecord(
            id=int(m["id"]),
            case=CaseKey(m["case_key"]),
            unit=UnitId(m["unit_id"]),
            number=int(m["number"]),
            content=self.cipher.decrypt_text(
                m["content_enc"], content_ctx(m["case_key"], int(m["number"]))
            ),
            sha256=m["sha256"],
            tlp=m["tlp"],
            status=m["status"],
            created_at=m["created_at"],
            created_by=m["created_by"],
            approvals=approvals,
            published_at=m["published_at"],
            published_by=m["published_by"],
            csaf_version=m["csaf_version"],
        )

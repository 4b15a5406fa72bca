"""SQL repository of the CVE ids of cases; CVE Services' last answer is sealed per id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert, select, update

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.tables.advisories import cve_ids
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.services.advisories.ports import CveIdRecord, CveState

C = cve_ids
_ACTIONS = {
    "published": (CveState.PUBLISHED, "published_at", "published_by"),
    "updated": (CveState.PUBLISHED, "updated_at", "updated_by"),
    "rejected": (CveState.REJECTED, "rejected_at", "rejected_by"),
}


def answer_ctx(cve_id: str) -> str:
    return f"cve_ids.answer:{cve_id}"


class SqlCveIdRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    def add(
        self,
        case: CaseKey,
        unit: UnitId,
        cve_id: str,
        year: int,
        at: dt.datetime,
        by: str,
        answer: str,
    ) -> CveIdRecord:
        new_id = self.conn.execute(
            insert(C)
            .values(
                cve_id=cve_id,
                case_key=case,
                unit_id=unit,
                year=year,
                state=CveState.RESERVED.value,
                reserved_at=at,
                reserved_by=by,
                answer_enc=self.cipher.encrypt_text(answer, answer_ctx(cve_id)),
                answered_at=at,
            )
            .returning(C.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, C, [new_id])
        return CveIdRecord(
            int(new_id), cve_id, case, unit, year, CveState.RESERVED, at, by, answer=answer,
            answered_at=at,
        )  # fmt: skip

    def for_case(self, case: CaseKey) -> list[CveIdRecord]:
        rows = self.conn.execute(
            select(C).where(C.c.case_key == case).order_by(C.c.reserved_at, C.c.cve_id)
        )
        return [self._record(r._mapping) for r in rows]

    def get(self, cve_id: str) -> CveIdRecord | None:
        row = self.conn.execute(select(C).where(C.c.cve_id == cve_id)).first()
        return None if row is None else self._record(row._mapping)

    def mark(
        self,
        record_id: int,
        action: str,
        at: dt.datetime,
        by: str,
        answer: str,
        reason: str | None = None,
    ) -> None:
        state, when, who = _ACTIONS[action]
        cve_id = self.conn.execute(select(C.c.cve_id).where(C.c.id == record_id)).scalar_one()
        values: dict[str, Any] = {
            "state": state.value,
            when: at,
            who: by,
            "answer_enc": self.cipher.encrypt_text(answer, answer_ctx(cve_id)),
            "answered_at": at,
        }
        if reason is not None:
            values["reason"] = reason
        self.conn.execute(update(C).where(C.c.id == record_id).values(**values))
        evidence.note_ids(self.conn, C, [record_id])

    def _record(self, m: Any) -> CveIdRecord:
        return CveIdRecord(
            id=int(m["id"]),
            cve_id=m["cve_id"],
            case=CaseKey(m["case_key"]),
            unit=UnitId(m["unit_id"]),
            year=int(m["year"]),
            state=CveState(m["state"]),
            reserved_at=m["reserved_at"],
            reserved_by=m["reserved_by"],
            published_at=m["published_at"],
            published_by=m["published_by"],
            updated_at=m["updated_at"],
            updated_by=m["updated_by"],
            rejected_at=m["rejected_at"],
            rejected_by=m["rejected_by"],
            reason=m["reason"],
            answer=self.cipher.decrypt_text(m["answer_enc"], answer_ctx(m["cve_id"])),
            answered_at=m["answered_at"],
        )

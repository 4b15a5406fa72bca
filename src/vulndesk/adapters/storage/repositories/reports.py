"""SQL repositories for report drafts and decisions, the disclosure ledger and oversight notices.

Draft and ledger content is encrypted at rest; the associated data names the table and row so a
ciphertext copied elsewhere does not decrypt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories import ledger_rows
from vulndesk.adapters.storage.repositories.case_batches import chunks
from vulndesk.adapters.storage.tables.reports import (
    decision_approvals,
    decision_records,
    hq_notices,
    hq_subscribers,
    ledger_entries,
    policy_overrides,
    report_approvals,
    report_drafts,
)
from vulndesk.domain.decisions import Decision
from vulndesk.domain.drafts import Approval, DraftRecord, DraftStatus, NewDraft, draft_ref
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.ids import CaseKey, PartyId, UnitId
from vulndesk.domain.ledger import Backdate, LedgerEntry, NewLedgerEntry
from vulndesk.services.reports.ports import HqNotice, Subscriber

GOVERNMENT_KINDS = ("regulator", "csirt")


def _draft_ctx(case: str, kind: str, recipient: str, version: int) -> str:
    return f"report_drafts.content:{draft_ref(case, kind, recipient, version)}"


def _ledger_ctx(entry_id: int) -> str:
    return f"ledger_entries.content:{entry_id}"


class SqlReportRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    # -- drafts
    def add_draft(self, draft: NewDraft) -> DraftRecord:
        d = draft
        enc = self.cipher.encrypt_text(
            d.content, _draft_ctx(d.case, d.kind, d.recipient, d.version)
        )
        new_id = self.conn.execute(
            insert(report_drafts)
            .values(
                case_key=d.case,
                unit_id=d.unit,
                kind=d.kind,
                stage=d.stage,
                recipient_id=d.recipient,
                recipient_kind=d.recipient_kind,
                version=d.version,
                content_enc=enc,
                sha256=d.sha256,
                fields=list(d.fields),
                status=DraftStatus.DRAFT.value,
                created_at=d.created_at,
                created_by=d.created_by,
            )
            .returning(report_drafts.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, report_drafts, [new_id])
        return DraftRecord(int(new_id), draft, DraftStatus.DRAFT, ())

    def latest_version(self, case: CaseKey, kind: str, recipient: PartyId) -> int:
        found = self.conn.execute(
            select(func.max(report_drafts.c.version)).where(
                report_drafts.c.case_key == case,
                report_drafts.c.kind == kind,
                report_drafts.c.recipient_id == recipient,
            )
        ).scalar_one()
        return int(found or 0)

    def get_draft(
        self, case: CaseKey, kind: str, recipient: PartyId, version: int | None = None
    ) -> DraftRecord:
        number = version if version is not None else self.latest_version(case, kind, recipient)
        row = self.conn.execute(
            select(report_drafts).where(
                report_drafts.c.case_key == case,
                report_drafts.c.kind == kind,
                report_drafts.c.recipient_id == recipient,
                report_drafts.c.version == number,
            )
        ).first()
        if row is None:
            raise NotFound("draft", draft_ref(case, kind, recipient, number))
        return self._draft(row._mapping)

    def drafts_for_case(self, case: CaseKey) -> list[DraftRecord]:
        rows = self.conn.execute(
            select(report_drafts)
            .where(report_drafts.c.case_key == case)
            .order_by(report_drafts.c.kind, report_drafts.c.recipient_id, report_drafts.c.version)
        )
        return [self._draft(r._mapping) for r in rows]

    def _draft(self, m: Any) -> DraftRecord:
        content = self.cipher.decrypt_text(
            m["content_enc"], _draft_ctx(m["case_key"], m["kind"], m["recipient_id"], m["version"])
        )
        approvals = tuple(
            Approval(r.actor, r.unit_id, r.at)
            for r in self.conn.execute(
                select(report_approvals)
                .where(report_approvals.c.draft_id == m["id"])
                .order_by(report_approvals.c.id)
            )
        )
        draft = NewDraft(
            case=CaseKey(m["case_key"]),
            unit=UnitId(m["unit_id"]),
            kind=m["kind"],
            stage=m["stage"],
            recipient=PartyId(m["recipient_id"]),
            recipient_kind=m["recipient_kind"],
            version=int(m["version"]),
            content=content,
            sha256=m["sha256"],
            fields=tuple(m["fields"]),
            created_at=m["created_at"],
            created_by=m["created_by"],
        )
        return DraftRecord(int(m["id"]), draft, DraftStatus(m["status"]), approvals)

    def set_status(self, draft_id: int, status: DraftStatus) -> None:
        self.conn.execute(
            update(report_drafts).where(report_drafts.c.id == draft_id).values(status=status.value)
        )
        evidence.note_ids(self.conn, report_drafts, [draft_id])

    def add_approval(self, draft_id: int, approval: Approval) -> None:
        self._once(
            report_approvals,
            report_approvals.c.draft_id == draft_id,
            approval.actor,
            {"draft_id": draft_id, "unit_id": approval.unit, "at": approval.at},
        )

    def _once(self, table: Any, where: Any, actor: str, values: dict[str, Any]) -> None:
        seen = self.conn.execute(select(table.c.id).where(where, table.c.actor == actor)).first()
        if seen is not None:
            raise Conflict(f"{actor} has already approved this; a second person must approve")
        new_id = self.conn.execute(
            insert(table).values(actor=actor, **values).returning(table.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, table, [new_id])

    # -- decisions
    def add_decision(self, decision: Decision) -> Decision:
        d = decision
        new_id = int(
            self.conn.execute(
                insert(decision_records)
                .values(
                    kind=d.kind,
                    case_key=d.case,
                    recipient_id=d.recipient,
                    draft_id=d.draft_id,
                    fields=list(d.fields),
                    reason=d.reason,
                    created_at=d.created_at,
                    created_by=d.created_by,
                    obligation_id=d.obligation,
                )
                .returning(decision_records.c.id)
            ).scalar_one()
        )
        evidence.note_ids(self.conn, decision_records, [new_id])
        for actor in d.approvers:
            self.approve_decision(new_id, actor, d.created_at)
        return self.get_decision(new_id)

    def approve_decision(self, decision_id: int, actor: str, at: dt.datetime) -> None:
        self._once(
            decision_approvals,
            decision_approvals.c.decision_id == decision_id,
            actor,
            {"decision_id": decision_id, "at": at},
        )

    def get_decision(self, decision_id: int) -> Decision:
        row = self.conn.execute(
            select(decision_records).where(decision_records.c.id == decision_id)
        ).first()
        if row is None:
            raise NotFound("decision", str(decision_id))
        return self._decision(row._mapping)

    def decisions_for(self, case: CaseKey) -> list[Decision]:
        return self.decisions_for_cases([case]).get(case, [])

    def decisions_for_cases(self, cases: Collection[CaseKey]) -> dict[CaseKey, list[Decision]]:
        out: dict[CaseKey, list[Decision]] = {}
        for part in chunks(set(cases)):
            rows = [
                r._mapping
                for r in self.conn.execute(
                    select(decision_records)
                    .where(decision_records.c.case_key.in_(part))
                    .order_by(decision_records.c.id)
                )
            ]
            approvers = _approvers(self.conn, [int(m["id"]) for m in rows])
            for m in rows:
                decision = self._decision(m, approvers.get(int(m["id"]), ()))
                out.setdefault(decision.case, []).append(decision)
        return out

    def _decision(self, m: Any, approvers: tuple[str, ...] | None = None) -> Decision:
        if approvers is None:
            approvers = _approvers(self.conn, [int(m["id"])]).get(int(m["id"]), ())
        return Decision(
            id=int(m["id"]),
            kind=m["kind"],
            case=CaseKey(m["case_key"]),
            recipient=PartyId(m["recipient_id"]),
            draft_id=None if m["draft_id"] is None else int(m["draft_id"]),
            fields=tuple(m["fields"]),
            reason=m["reason"],
            created_at=m["created_at"],
            created_by=m["created_by"],
            approvers=approvers,
            obligation=m["obligation_id"],
        )

    # -- policy overrides
    def set_override(
        self,
        party: PartyId,
        classes: tuple[str, ...],
        fields: tuple[str, ...],
        at: dt.datetime,
        by: str,
    ) -> None:
        values = {
            "classes": list(classes),
            "fields": list(fields),
            "updated_at": at,
            "updated_by": by,
        }
        done = self.conn.execute(
            update(policy_overrides).where(policy_overrides.c.party_id == party).values(**values)
        )
        if done.rowcount == 0:
            self.conn.execute(insert(policy_overrides).values(party_id=party, **values))

    def overrides(self) -> dict[PartyId, tuple[tuple[str, ...], tuple[str, ...]]]:
        rows = self.conn.execute(select(policy_overrides))
        return {PartyId(r.party_id): (tuple(r.classes), tuple(r.fields)) for r in rows}


class SqlLedgerRepository:
    """Disclosures are only ever added: the ledger has no update or delete."""

    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    def add(self, entry: NewLedgerEntry) -> LedgerEntry:
        e = entry
        values = {
            "case_key": e.case,
            "unit_id": e.unit,
            "disclosure_kind": e.disclosure_kind,
            "recipient_id": e.recipient,
            "recipient_kind": e.recipient_kind,
            "channel": e.channel,
            "at": e.at,
            "draft_ref": e.draft_ref,
            "receipt": e.receipt,
            "screenshot": e.screenshot,
            "screenshot_sha256": e.screenshot_sha256,
            "sha256": e.sha256,
            "fields": list(e.fields),
            "classes": list(e.classes),
            "approvers": list(e.approvers),
            "recorded_at": e.recorded_at,
            "recorded_by": e.recorded_by,
            "backdate_decision_id": e.backdate_decision,
        }
        new_id = int(
            self.conn.execute(
                insert(ledger_entries).values(**values).returning(ledger_entries.c.id)
            ).scalar_one()
        )
        self.conn.execute(
            update(ledger_entries)
            .where(ledger_entries.c.id == new_id)
            .values(content_enc=self.cipher.encrypt_text(e.content, _ledger_ctx(new_id)))
        )
        evidence.note_ids(self.conn, ledger_entries, [new_id])
        found = _backdates(self.conn, [e.backdate_decision])
        return LedgerEntry(new_id, entry, found.get(e.backdate_decision or 0))

    def get(self, entry_id: int, *, content: bool = False) -> LedgerEntry:
        row = self.conn.execute(
            select(ledger_entries).where(ledger_entries.c.id == entry_id)
        ).first()
        if row is None:
            raise NotFound("ledger entry", str(entry_id))
        return _with_backdates(self.conn, [self._entry(row._mapping, content=content)])[0]

    def list(
        self, case: CaseKey | None = None, *, government_only: bool = False
    ) -> list[LedgerEntry]:
        query = select(*ledger_rows.COLUMNS).order_by(ledger_entries.c.at, ledger_entries.c.id)
        if case is not None:
            query = query.where(ledger_entries.c.case_key == case)
        if government_only:
            query = query.where(ledger_entries.c.recipient_kind.in_(GOVERNMENT_KINDS))
        return _with_backdates(self.conn, ledger_rows.entries(self.conn.execute(query).all()))

    def earliest_by_kind(self, case: CaseKey) -> dict[str, tuple[dt.datetime, str]]:
        """The earliest claimed instant of each kind; a backdate still pending counts for none."""
        return self.earliest_by_kind_for([case]).get(case, {})

    def earliest_by_kind_for(
        self, cases: Collection[CaseKey]
    ) -> dict[CaseKey, dict[str, tuple[dt.datetime, str]]]:
        out: dict[CaseKey, dict[str, tuple[dt.datetime, str]]] = {}
        c = ledger_entries.c
        for part in chunks(set(cases)):
            rows = self.conn.execute(
                select(c.id, c.case_key, c.disclosure_kind, c.at, c.backdate_decision_id)
                .where(c.case_key.in_(part))
                .order_by(c.at, c.id)
            ).all()
            backdates = _backdates(self.conn, [r.backdate_decision_id for r in rows])
            for r in rows:
                if r.backdate_decision_id is not None:
                    found = backdates.get(int(r.backdate_decision_id))
                    if found is None or not found.approved:
                        continue  # a backdate still pending meets nothing
                kinds = out.setdefault(CaseKey(r.case_key), {})
                if r.disclosure_kind not in kinds or r.at < kinds[r.disclosure_kind][0]:
                    kinds[r.disclosure_kind] = (r.at, f"ledger:{int(r.id)}")
        return out

    def _entry(
        self,
        m: Any,
        *,
        content: bool,
    ) -> LedgerEntry:
        fields, classes, approvers = m["fields"], m["classes"], m["approvers"]
        text = ""
        if content and m["content_enc"] is not None:
            text = self.cipher.decrypt_text(m["content_enc"], _ledger_ctx(int(m["id"])))
        entry = NewLedgerEntry(
            case=CaseKey(m["case_key"]),
            unit=UnitId(m["unit_id"]),
            disclosure_kind=m["disclosure_kind"],
            recipient=PartyId(m["recipient_id"]),
            recipient_kind=m["recipient_kind"],
            channel=m["channel"],
            at=m["at"],
            draft_ref=m["draft_ref"],
            receipt=m["receipt"],
            screenshot=m["screenshot"],
            screenshot_sha256=m["screenshot_sha256"],
            content=text,
            sha256=m["sha256"],
            fields=tuple(fields),
            classes=tuple(classes),
            approvers=tuple(approvers),
            recorded_at=m["recorded_at"],
            recorded_by=m["recorded_by"],
            backdate_decision=None
            if m["backdate_decision_id"] is None
            else int(m["backdate_decision_id"]),
        )
        return LedgerEntry(int(m["id"]), entry)


def _with_backdates(conn: Connection, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    found = _backdates(conn, [e.backdate_decision for e in entries])
    if not found:
        return entries
    return [LedgerEntry(e.id, e.entry, found.get(e.backdate_decision or 0)) for e in entries]


def _backdates(conn: Connection, ids: Sequence[int | None]) -> dict[int, Backdate]:
    """The justification and approvers of each `backdate` decision named: one read each."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    reasons = conn.execute(
        select(decision_records.c.id, decision_records.c.reason).where(
            decision_records.c.id.in_(wanted)
        )
    ).all()
    approvers = _approvers(conn, wanted)
    return {int(r.id): Backdate(int(r.id), r.reason, approvers.get(int(r.id), ())) for r in reasons}


def _approvers(conn: Connection, decisions: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Who approved each of `decisions`, in the order they approved."""
    found: dict[int, list[str]] = {}
    for part in chunks(set(decisions)):
        for row in conn.execute(
            select(decision_approvals.c.decision_id, decision_approvals.c.actor)
            .where(decision_approvals.c.decision_id.in_(part))
            .order_by(decision_approvals.c.id)
        ):
            found.setdefault(int(row.decision_id), []).append(row.actor)
    return {k: tuple(v) for k, v in found.items()}


class SqlOversightRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_notice(
        self, at: dt.datetime, case: CaseKey, event: str, draft_ref: str, recipient: PartyId
    ) -> None:
        self.conn.execute(
            insert(hq_notices).values(
                created_at=at,
                case_key=case,
                event=event,
                draft_ref=draft_ref,
                recipient_id=recipient,
            )
        )

    def has_notice(self, case: CaseKey, event: str, draft_ref: str) -> bool:
        stmt = select(hq_notices.c.id).where(
            hq_notices.c.case_key == case,
            hq_notices.c.event == event,
            hq_notices.c.draft_ref == draft_ref,
        )
        return self.conn.execute(stmt.limit(1)).first() is not None

    def notices(self, limit: int = 200) -> list[HqNotice]:
        rows = self.conn.execute(
            select(hq_notices).order_by(hq_notices.c.created_at, hq_notices.c.id).limit(limit)
        )
        return [
            HqNotice(
                int(r.id),
                r.created_at,
                CaseKey(r.case_key),
                r.event,
                r.draft_ref,
                PartyId(r.recipient_id),
            )
            for r in rows
        ]

    def add_subscriber(self, subscriber: Subscriber, at: dt.datetime) -> None:
        seen = self.conn.execute(
            select(hq_subscribers.c.id).where(hq_subscribers.c.email == subscriber.email)
        ).first()
        if seen is not None:
            raise Conflict(f"{subscriber.email} is already subscribed")
        self.conn.execute(
            insert(hq_subscribers).values(
                name=subscriber.name, email=subscriber.email, created_at=at
            )
        )

    def subscribers(self) -> list[Subscriber]:
        rows = self.conn.execute(select(hq_subscribers).order_by(hq_subscribers.c.id))
        return [Subscriber(r.name, r.email) for r in rows]

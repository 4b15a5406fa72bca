"""SQL repository of coordinated disclosure; people, statements and messages are sealed.

The associated data names the table and the case (and the party or the text's SHA-256), so a
ciphertext copied to another case's row does not decrypt (coord_contexts.py). The threads, the
watermarks and the participants' accounts are in coord_threads.py, coord_watermarks.py and
coord_accounts.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.coord_accounts import AccountRows
from vulndesk.adapters.storage.repositories.coord_contexts import (
    people_ctx,
    sha_text,
    statement_ctx,
)
from vulndesk.adapters.storage.repositories.coord_threads import ThreadRows
from vulndesk.adapters.storage.repositories.coord_watermarks import WatermarkRows
from vulndesk.adapters.storage.tables.coordination import (
    coord_embargo_events,
    coord_participants,
    coord_statements,
    party_purls,
)
from vulndesk.domain.coordination import (
    Contact,
    Participant,
    ParticipantRole,
    ProductStatus,
    StatusStatement,
    VexJustification,
)
from vulndesk.domain.embargo import EmbargoEvent, EmbargoEventKind
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.ids import PartyId

P = coord_participants
S = coord_statements
E = coord_embargo_events


class SqlCoordinationRepository(ThreadRows, WatermarkRows, AccountRows):
    """Participants, statements, the embargo and what parties make; threads, watermarks and
    participants' accounts come from the classes it extends."""

    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    # participants

    def add_participant(
        self,
        case: str,
        party: PartyId,
        role: ParticipantRole,
        people: Sequence[Contact],
        at: dt.datetime,
        by: str,
    ) -> Participant:
        taken = self.conn.execute(
            select(P.c.id).where(P.c.case_key == case, P.c.party_id == party)
        ).first()
        if taken is not None:
            raise Conflict(f"{party} already takes part in {case} (participant {taken[0]})")
        text = json.dumps([[c.name, c.address] for c in people], ensure_ascii=False)
        try:
            new_id = self.conn.execute(
                insert(P)
                .values(
                    case_key=case,
                    party_id=party,
                    role=role.value,
                    people_enc=self.cipher.encrypt_text(text, people_ctx(case, party)),
                    people_sha256=sha_text(text),
                    invited_at=at,
                    invited_by=by,
                )
                .returning(P.c.id)
            ).scalar_one()
        except IntegrityError:
            raise Conflict(f"{party} already takes part in {case}") from None
        evidence.note_ids(self.conn, P, [new_id])
        return Participant(int(new_id), case, party, role, tuple(people), at, by)

    def participants(self, case: str) -> list[Participant]:
        rows = self.conn.execute(select(P).where(P.c.case_key == case).order_by(P.c.id))
        return [self._participant(r._mapping) for r in rows]

    def participant(self, case: str, participant_id: int) -> Participant:
        row = self.conn.execute(
            select(P).where(P.c.id == participant_id, P.c.case_key == case)
        ).first()
        if row is None:
            raise NotFound("participant", str(participant_id))
        return self._participant(row._mapping)

    def _participant(self, m: Any) -> Participant:
        people = json.loads(
            self.cipher.decrypt_text(m["people_enc"], people_ctx(m["case_key"], m["party_id"]))
        )
        return Participant(
            int(m["id"]),
            m["case_key"],
            PartyId(m["party_id"]),
            ParticipantRole(m["role"]),
            tuple(Contact(n, a) for n, a in people),
            m["invited_at"],
            m["invited_by"],
        )

    # statements

    def add_statement(
        self,
        case: str,
        participant: int,
        product: str,
        status: ProductStatus,
        justification: VexJustification | None,
        fixed_versions: Sequence[str],
        statement: str,
        at: dt.datetime,
        by: str,
    ) -> StatusStatement:
        digest = sha_text(statement)
        new_id = self.conn.execute(
            insert(S)
            .values(
                case_key=case,
                participant_id=participant,
                product=product,
                status=status.value,
                justification=justification.value if justification else None,
                fixed_versions=list(fixed_versions),
                statement_enc=self.cipher.encrypt_text(statement, statement_ctx(case, digest)),
                sha256=digest,
                recorded_at=at,
                recorded_by=by,
            )
            .returning(S.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, S, [new_id])
        return StatusStatement(
            int(new_id),
            participant,
            product,
            status,
            statement,
            at,
            by,
            justification,
            tuple(fixed_versions),
        )

    def approve_statement(
        self, case: str, statement_id: int, at: dt.datetime, by: str
    ) -> StatusStatement:
        row = self.conn.execute(
            select(S).where(S.c.id == statement_id, S.c.case_key == case)
        ).first()
        if row is None:
            raise NotFound("statement", str(statement_id))
        if row._mapping["approved_at"] is not None:
            raise Conflict(f"statement {statement_id} is already approved")
        self.conn.execute(
            update(S).where(S.c.id == statement_id).values(approved_at=at, approved_by=by)
        )
        evidence.note_ids(self.conn, S, [statement_id])
        found = self.conn.execute(select(S).where(S.c.id == statement_id)).one()
        return self._statement(found._mapping)

    def statements(self, case: str) -> list[StatusStatement]:
        rows = self.conn.execute(select(S).where(S.c.case_key == case).order_by(S.c.id))
        return [self._statement(r._mapping) for r in rows]

    def _statement(self, m: Any) -> StatusStatement:
        return StatusStatement(
            int(m["id"]),
            int(m["participant_id"]),
            m["product"],
            ProductStatus(m["status"]),
            self.cipher.decrypt_text(m["statement_enc"], statement_ctx(m["case_key"], m["sha256"])),
            m["recorded_at"],
            m["recorded_by"],
            VexJustification(m["justification"]) if m["justification"] else None,
            tuple(m["fixed_versions"] or ()),
            m["approved_at"],
            m["approved_by"],
        )

    # the embargo

    def add_embargo_event(self, case: str, event: EmbargoEvent) -> EmbargoEvent:
        new_id = self.conn.execute(
            insert(E)
            .values(
                case_key=case,
                kind=event.kind.value,
                at=event.at,
                by=event.by,
                reason=event.reason,
                participant_id=event.participant,
                end_at=event.end,
                zone=event.zone,
                seen_where=event.seen_where,
                seen_at=event.seen_at,
            )
            .returning(E.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, E, [new_id])
        return EmbargoEvent(
            event.kind,
            event.at,
            event.by,
            event.reason,
            event.participant,
            event.end,
            event.zone,
            event.seen_where,
            event.seen_at,
            int(new_id),
        )

    def embargo_events(self, case: str) -> list[EmbargoEvent]:
        rows = self.conn.execute(select(E).where(E.c.case_key == case).order_by(E.c.id))
        return [
            EmbargoEvent(
                EmbargoEventKind(m["kind"]),
                m["at"],
                m["by"],
                m["reason"],
                int(m["participant_id"]) if m["participant_id"] is not None else None,
                m["end_at"],
                m["zone"],
                m["seen_where"],
                m["seen_at"],
                int(m["id"]),
            )
            for m in (r._mapping for r in rows)
        ]

    def embargo_cases(self, ends_after: dt.datetime, ends_by: dt.datetime) -> list[str]:
        window = and_(E.c.end_at > ends_after, E.c.end_at <= ends_by)
        rows = self.conn.execute(
            select(E.c.case_key).where(window).distinct().order_by(E.c.case_key)
        )
        return [str(k) for (k,) in rows]

    # what parties make

    def set_party_purls(self, party: PartyId, purls: Sequence[str]) -> None:
        self.conn.execute(delete(party_purls).where(party_purls.c.party_id == party))
        wanted = list(dict.fromkeys(purls))
        if wanted:
            self.conn.execute(insert(party_purls), [{"party_id": party, "purl": p} for p in wanted])

    def party_purls(self) -> Mapping[PartyId, tuple[str, ...]]:
        out: dict[PartyId, list[str]] = {}
        rows = self.conn.execute(
            select(party_purls.c.party_id, party_purls.c.purl).order_by(party_purls.c.id)
        )
        for party, purl in rows:
            out.setdefault(PartyId(party), []).append(purl)
        return {k: tuple(v) for k, v in out.items()}

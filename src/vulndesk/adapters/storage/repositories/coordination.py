"""SQL repository of coordinated disclosure; people, statements and messages are sealed.

The associated data names the table and the case (and the party or the text's SHA-256), so a
ciphertext copied to another case's row does not decrypt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.tables.coordination import (
    coord_accounts,
    coord_attachments,
    coord_embargo_events,
    coord_invitations,
    coord_messages,
    coord_participants,
    coord_reads,
    coord_statements,
    coord_watermarks,
    party_purls,
)
from vulndesk.domain.coordination import (
    Binding,
    Contact,
    Invitation,
    Participant,
    ParticipantRole,
    ProductStatus,
    StatusStatement,
    VexJustification,
)
from vulndesk.domain.embargo import EmbargoEvent, EmbargoEventKind
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.ids import PartyId
from vulndesk.domain.threads import MessageFile, ThreadMessage, ThreadSummary
from vulndesk.domain.watermark import Watermark
from vulndesk.services.intake.ports import Upload

P, S, E, M, R = (
    coord_participants,
    coord_statements,
    coord_embargo_events,
    coord_messages,
    coord_reads,
)
WM = coord_watermarks
A, IN = coord_accounts, coord_invitations
F = coord_attachments


def people_ctx(case: str, party: str) -> str:
    return f"coord_participants.people:{case}:{party}"


def statement_ctx(case: str, sha256: str) -> str:
    return f"coord_statements.statement:{case}:{sha256}"


def file_ctx(case: str, message: int, sha256: str) -> str:
    return f"coord_attachments.content:{case}:{message}:{sha256}"


def message_ctx(case: str, sha256: str) -> str:
    return f"coord_messages.body:{case}:{sha256}"


def recipient_ctx(case: str, token: str) -> str:
    return f"coord_watermarks.recipient:{case}:{token}"


def invitation_ctx(invitation_id: int) -> str:
    return f"coord_invitations.token:{invitation_id}"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class SqlCoordinationRepository:
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
                    people_sha256=_sha(text),
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
        digest = _sha(statement)
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
        digest = _sha(body)
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
                recipient_sha256=_sha(mark.recipient),
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

    # participants' own accounts

    def bind_account(self, binding: Binding) -> Binding:
        b = binding
        found = self.binding(b.user, b.case)
        if found is not None:
            if found.participant != b.participant:
                raise Conflict(
                    f"{b.user} already speaks for participant {found.participant} of {b.case}"
                )
            return found
        try:
            new_id = self.conn.execute(
                insert(A)
                .values(
                    user_name=b.user,
                    case_key=b.case,
                    participant_id=b.participant,
                    created_at=b.created_at,
                    created_by=b.created_by,
                )
                .returning(A.c.id)
            ).scalar_one()
        except IntegrityError:
            raise Conflict(f"{b.user} already takes part in {b.case}") from None
        evidence.note_ids(self.conn, A, [new_id])
        return b

    @staticmethod
    def _binding(m: Any) -> Binding:
        return Binding(
            m["user_name"],
            m["case_key"],
            int(m["participant_id"]),
            m["created_at"],
            m["created_by"],
        )

    def bindings_of(self, user: str) -> list[Binding]:
        rows = self.conn.execute(select(A).where(A.c.user_name == user).order_by(A.c.case_key))
        return [self._binding(r._mapping) for r in rows]

    def binding(self, user: str, case: str) -> Binding | None:
        row = self.conn.execute(
            select(A).where(A.c.user_name == user, A.c.case_key == case)
        ).first()
        return None if row is None else self._binding(row._mapping)

    def bindings(self, case: str) -> list[Binding]:
        rows = self.conn.execute(select(A).where(A.c.case_key == case).order_by(A.c.id))
        return [self._binding(r._mapping) for r in rows]

    def add_invitation(self, invitation: Invitation, token_sha256: str, token: str) -> Invitation:
        i = invitation
        self.conn.execute(
            delete(IN).where(
                IN.c.user_name == i.user, IN.c.case_key == i.case, IN.c.used_at.is_(None)
            )
        )
        new_id = int(
            self.conn.execute(
                insert(IN)
                .values(
                    token_sha256=token_sha256,
                    user_name=i.user,
                    case_key=i.case,
                    participant_id=i.participant,
                    created_by=i.created_by,
                    created_at=i.created_at,
                    expires_at=i.expires_at,
                    used_at=None,
                )
                .returning(IN.c.id)
            ).scalar_one()
        )
        self.conn.execute(
            update(IN)
            .where(IN.c.id == new_id)
            .values(token_enc=self.cipher.encrypt_text(token, invitation_ctx(new_id)))
        )
        return Invitation(
            new_id, i.user, i.case, i.participant, i.created_by, i.created_at, i.expires_at, None
        )

    @staticmethod
    def _invitation(m: Any) -> Invitation:
        return Invitation(
            int(m["id"]),
            m["user_name"],
            m["case_key"],
            int(m["participant_id"]),
            m["created_by"],
            m["created_at"],
            m["expires_at"],
            m["used_at"],
        )

    def invitation_by_token(self, token_sha256: str) -> Invitation | None:
        row = self.conn.execute(select(IN).where(IN.c.token_sha256 == token_sha256)).first()
        return None if row is None else self._invitation(row._mapping)

    def invitation(self, invitation_id: int) -> Invitation | None:
        row = self.conn.execute(select(IN).where(IN.c.id == invitation_id)).first()
        return None if row is None else self._invitation(row._mapping)

    def invitation_token(self, invitation_id: int) -> str | None:
        sealed = self.conn.execute(
            select(IN.c.token_enc).where(IN.c.id == invitation_id)
        ).scalar_one_or_none()
        if sealed is None:
            return None
        return self.cipher.decrypt_text(sealed, invitation_ctx(invitation_id))

    def forget_invitation_token(self, invitation_id: int) -> None:
        self.conn.execute(update(IN).where(IN.c.id == invitation_id).values(token_enc=None))

    def use_invitation(self, invitation_id: int, at: dt.datetime) -> bool:
        done = self.conn.execute(
            update(IN)
            .where(IN.c.id == invitation_id, IN.c.used_at.is_(None))
            .values(used_at=at, token_enc=None)
        )
        return done.rowcount == 1

"""SQL rows of participants' own accounts: bindings to a case's participant and invitations
(the token sealed until it is mailed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.coord_contexts import (
    invitation_ctx,
)
from vulndesk.adapters.storage.tables.coordination import (
    coord_accounts,
    coord_invitations,
)
from vulndesk.domain.coordination import (
    Binding,
    Invitation,
)
from vulndesk.domain.errors import Conflict

A = coord_accounts
IN = coord_invitations


class AccountRows:
    """The participants' accounts part of `SqlCoordinationRepository`."""

    conn: Connection
    cipher: FieldCipher

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

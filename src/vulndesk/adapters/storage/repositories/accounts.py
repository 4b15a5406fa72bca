"""The SQL account repository: users (TOTP secret encrypted), sessions, tokens, failures."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.repositories.reference import _insert
from vulndesk.adapters.storage.tables.accounts import (
    api_tokens,
    login_failures,
    sso_subjects,
    user_sessions,
    users,
)
from vulndesk.adapters.storage.tables.core import cases, with_members
from vulndesk.domain.accounts import ApiToken, Session, SsoLink, User
from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import CaseKey

# Every API request starts with this read: prebuilt (see fast.py).
_TOKEN_WITH_USER = FastStatement(
    select(*[c.label(f"t_{c.name}") for c in api_tokens.c], users)
    .join(users, users.c.name == api_tokens.c.user_name)
    .where(api_tokens.c.token_hash == bindparam("wanted"))
)


class SqlAccountRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    # -- users
    def _user_values(self, user: User) -> dict[str, Any]:
        totp = (
            self.cipher.encrypt_text(user.totp_secret, f"users.totp:{user.name}")
            if user.totp_secret
            else None
        )
        return {
            "display_name": user.display_name,
            "email": user.email,
            "unit_id": user.unit,
            "roles": sorted(user.roles),
            "password_hash": user.password_hash,
            "totp_enc": totp,
            "disabled": user.disabled,
            "timezone": user.timezone,
            "language": user.language,
            "last_totp_step": user.last_totp_step,
            "mail_escalations": user.mail_escalations,
            "mail_approvals": user.mail_approvals,
            "mail_messages": user.mail_messages,
        }

    def add_user(self, user: User) -> None:
        values = self._user_values(user) | {"name": user.name, "created_at": user.created_at}
        _insert(self.conn, insert(users).values(**values), "user", user.name)

    def save_user(self, user: User) -> None:
        self.conn.execute(
            update(users).where(users.c.name == user.name).values(**self._user_values(user))
        )

    def claim_totp_step(self, name: str, step: int) -> bool:
        """Record `step` as the user's last used TOTP step if it is later than the stored one.

        One guarded UPDATE: of two transactions claiming the same step only one changes the row.
        """
        last = users.c.last_totp_step
        done = self.conn.execute(
            update(users)
            .where(users.c.name == name, or_(last.is_(None), last < step))
            .values(last_totp_step=step)
        )
        return done.rowcount == 1

    def _user(self, m: Any) -> User:
        return User(
            name=m["name"],
            display_name=m["display_name"],
            email=m["email"],
            unit=m["unit_id"],
            roles=frozenset(m["roles"]),
            created_at=m["created_at"],
            password_hash=m["password_hash"],
            totp_secret=self.cipher.decrypt_text(m["totp_enc"], f"users.totp:{m['name']}")
            if m["totp_enc"]
            else None,
            disabled=bool(m["disabled"]),
            timezone=m["timezone"],
            language=m["language"],
            last_totp_step=m["last_totp_step"],
            credentials_epoch=int(m["credentials_epoch"]),
            mail_escalations=m["mail_escalations"] is not False,
            mail_approvals=m["mail_approvals"] is not False,
            mail_messages=m["mail_messages"] is not False,
        )

    def find_user(self, name: str) -> User | None:
        row = self.conn.execute(select(users).where(users.c.name == name)).first()
        return None if row is None else self._user(row._mapping)

    def get_user(self, name: str) -> User:
        user = self.find_user(name)
        if user is None:
            raise NotFound("user", name)
        return user

    def list_users(self) -> list[User]:
        return [
            self._user(r._mapping) for r in self.conn.execute(select(users).order_by(users.c.name))
        ]

    # -- sessions
    def add_session(self, session: Session) -> None:
        self.conn.execute(
            insert(user_sessions).values(
                token_hash=session.token_hash,
                user_name=session.user,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                source=session.source[:200],
            )
        )

    def session_with_user(self, token_hash: str) -> tuple[Session, User | None] | None:
        """The session and its user (None if the account is gone), in one statement."""
        s = [c.label(f"s_{c.name}") for c in user_sessions.c]
        stmt = (
            select(*s, users)
            .outerjoin(users, users.c.name == user_sessions.c.user_name)
            .where(user_sessions.c.token_hash == token_hash)
        )
        row = self.conn.execute(stmt).first()
        if row is None:
            return None
        m = row._mapping
        session = Session(
            m["s_token_hash"],
            m["s_user_name"],
            m["s_created_at"],
            m["s_last_seen_at"],
            m["s_source"],
        )
        return session, None if m["name"] is None else self._user(m)

    def touch_session(self, token_hash: str, at: dt.datetime) -> None:
        self.conn.execute(
            update(user_sessions)
            .where(user_sessions.c.token_hash == token_hash)
            .values(last_seen_at=at)
        )

    def delete_session(self, token_hash: str) -> None:
        self.conn.execute(delete(user_sessions).where(user_sessions.c.token_hash == token_hash))

    def delete_sessions_of(self, user: str) -> None:
        self.conn.execute(delete(user_sessions).where(user_sessions.c.user_name == user))

    def move_credentials_epoch(self, user: str) -> None:
        """End every token of `user`: one relative UPDATE, so concurrent moves never merge."""
        epoch = users.c.credentials_epoch
        self.conn.execute(update(users).where(users.c.name == user).values({epoch: epoch + 1}))

    # -- tokens
    def add_token(self, token: ApiToken) -> None:
        self.conn.execute(
            insert(api_tokens).values(
                id=token.id,
                token_hash=token.token_hash,
                user_name=token.user,
                scopes=sorted(token.scopes),
                created_at=token.created_at,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
                credentials_epoch=token.credentials_epoch,
                with_totp=token.with_totp,
            )
        )

    @staticmethod
    def _token(r: Any) -> ApiToken:
        return ApiToken(
            r.id,
            r.token_hash,
            r.user_name,
            frozenset(r.scopes),
            r.created_at,
            r.expires_at,
            r.revoked_at,
            int(r.credentials_epoch),
            bool(r.with_totp),
        )

    def token_with_user(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """The token and its user in one statement (every API request starts with this)."""
        m = next(_TOKEN_WITH_USER.execute(self.conn, {"wanted": token_hash}).mappings(), None)
        if m is None:
            return None
        token = SimpleNamespace(**{c.name: m[f"t_{c.name}"] for c in api_tokens.c})
        return self._token(token), self._user(m)

    def tokens_of(self, user: str) -> list[ApiToken]:
        stmt = select(api_tokens).where(api_tokens.c.user_name == user).order_by(api_tokens.c.id)
        return [self._token(r) for r in self.conn.execute(stmt)]

    def revoke_token(self, token_id: str, user: str, at: dt.datetime) -> bool:
        result = self.conn.execute(
            update(api_tokens)
            .where(
                api_tokens.c.id == token_id,
                api_tokens.c.user_name == user,
                api_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return result.rowcount == 1

    # -- provider subjects
    def sso_link(self, issuer: str, subject: str) -> SsoLink | None:
        row = self.conn.execute(
            select(sso_subjects).where(
                sso_subjects.c.issuer == issuer, sso_subjects.c.subject == subject
            )
        ).first()
        return None if row is None else self._link(row)

    def sso_links_of(self, user: str) -> list[SsoLink]:
        rows = self.conn.execute(
            select(sso_subjects)
            .where(sso_subjects.c.user_name == user)
            .order_by(sso_subjects.c.linked_at, sso_subjects.c.id)
        )
        return [self._link(r) for r in rows]

    def add_sso_link(self, link: SsoLink) -> None:
        found = self.conn.execute(
            insert(sso_subjects)
            .values(
                issuer=link.issuer,
                subject=link.subject,
                user_name=link.user,
                linked_at=link.linked_at,
            )
            .returning(sso_subjects.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, sso_subjects, [found])

    @staticmethod
    def _link(r: Any) -> SsoLink:
        return SsoLink(r.issuer, r.subject, r.user_name, r.linked_at)

    # -- throttling
    def record_failure(self, key: str, at: dt.datetime) -> None:
        self.conn.execute(insert(login_failures).values(key=key[:300], at=at))

    def failures_since(self, key: str, since: dt.datetime) -> int:
        stmt = (
            select(func.count())
            .select_from(login_failures)
            .where(login_failures.c.key == key[:300], login_failures.c.at >= since)
        )
        return int(self.conn.execute(stmt).scalar_one())

    def clear_failures(self, key: str) -> None:
        self.conn.execute(delete(login_failures).where(login_failures.c.key == key[:300]))

    # -- need-to-know
    def member_cases(self, user: str) -> tuple[CaseKey, ...]:
        """Keys of cases listing `user` as a member, searched inside the JSON members column."""
        cond: ColumnElement[bool]
        if self.conn.dialect.name == "postgresql":
            cond = literal_column("CAST(cases.members AS jsonb)").op("?")(user)
        else:
            each = func.json_each(cases.c.members).table_valued("value")
            cond = exists(select(literal_column("1")).select_from(each).where(each.c.value == user))
        # Only the cases with members, in the partial index `ix_cases_with_members` (the
        # same literal test as the index's, so both engines use it); most cases have none.
        rows = self.conn.execute(
            select(cases.c.key).where(with_members(self.conn), cond).order_by(cases.c.key)
        )
        return tuple(CaseKey(r.key) for r in rows)

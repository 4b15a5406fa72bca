"""Re-encryption of every encrypted column under the keyring's current key, in small batches.

Each encrypted column needs the associated data it was sealed with; `SPECS` knows how to
rebuild it per row. Columns ending in `_enc` that no spec covers are reported as
unsupported, so old keys are never dropped while such ciphertexts might still need them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, and_, func, select, update

from vulndesk.adapters.attachments import attachment_context
from vulndesk.adapters.crypto import MAGIC, FieldCipher, Keyring, save_keyring
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.intake import (
    mailing_context,
    message_context,
    response_context,
)
from vulndesk.adapters.storage.schema import metadata
from vulndesk.adapters.storage.tables.accounts import users
from vulndesk.adapters.storage.tables.advisories import advisory_revisions, cve_ids
from vulndesk.adapters.storage.tables.background import snapshots
from vulndesk.adapters.storage.tables.coordination import (
    coord_attachments,
    coord_invitations,
    coord_messages,
    coord_participants,
    coord_statements,
    coord_watermarks,
)
from vulndesk.adapters.storage.tables.core import case_facts, cases
from vulndesk.adapters.storage.tables.intake import (
    idempotency_keys,
    intake_attachments,
    intake_mailings,
    intake_messages,
)
from vulndesk.adapters.storage.tables.notify import notify_messages
from vulndesk.adapters.storage.tables.reports import ledger_entries, report_drafts
from vulndesk.domain.drafts import draft_ref


@dataclass(frozen=True)
class ColumnSpec:
    """Where an encrypted column lives and how to rebuild each row's associated data."""

    table: Table
    column: str
    extra: tuple[Any, ...]
    context: Callable[[Any], str]
    pk: tuple[str, ...] = ("id",)


SPECS: dict[str, ColumnSpec] = {
    "cases.details_enc": ColumnSpec(
        cases, "details_enc", (cases.c.key,), lambda r: f"cases.details:{r.key}"
    ),
    "case_facts.evidence_enc": ColumnSpec(
        case_facts,
        "evidence_enc",
        (
            select(cases.c.key)
            .where(cases.c.id == case_facts.c.case_id)
            .scalar_subquery()
            .label("case_key"),
            case_facts.c.kind,
            case_facts.c.revision,
        ),
        lambda r: f"case_facts.evidence:{r.case_key}:{r.kind}:{r.revision}",
    ),
    "intake_messages.body_enc": ColumnSpec(
        intake_messages,
        "body_enc",
        (intake_messages.c.tracking,),
        lambda r: message_context(r.tracking),
    ),
    "intake_mailings.recipient_enc": ColumnSpec(
        intake_mailings,
        "recipient_enc",
        (intake_mailings.c.tracking,),
        lambda r: mailing_context(r.tracking),
    ),
    "intake_attachments.content_enc": ColumnSpec(
        intake_attachments,
        "content_enc",
        (intake_attachments.c.tracking, intake_attachments.c.sha256),
        lambda r: attachment_context(r.tracking, r.sha256),
    ),
    # Contexts below mirror the repositories that write them (reports.py, accounts.py).
    "report_drafts.content_enc": ColumnSpec(
        report_drafts,
        "content_enc",
        (
            report_drafts.c.case_key,
            report_drafts.c.kind,
            report_drafts.c.recipient_id,
            report_drafts.c.version,
        ),
        lambda r: (
            "report_drafts.content:" + draft_ref(r.case_key, r.kind, r.recipient_id, int(r.version))
        ),
    ),
    "ledger_entries.content_enc": ColumnSpec(
        ledger_entries, "content_enc", (), lambda r: f"ledger_entries.content:{r.id}"
    ),
    "users.totp_enc": ColumnSpec(
        users, "totp_enc", (), lambda r: f"users.totp:{r.name}", ("name",)
    ),
    "idempotency_keys.body_enc": ColumnSpec(
        idempotency_keys,
        "body_enc",
        (idempotency_keys.c.request_hash, idempotency_keys.c.status),
        lambda r: response_context(r.scope, r.key, r.request_hash, int(r.status)),
        ("scope", "key"),
    ),
    "notify_messages.content_enc": ColumnSpec(
        notify_messages,
        "content_enc",
        (notify_messages.c.dedupe_key,),
        lambda r: f"notify_messages.content:{r.dedupe_key}",
    ),
    "advisory_revisions.content_enc": ColumnSpec(
        advisory_revisions,
        "content_enc",
        (advisory_revisions.c.case_key, advisory_revisions.c.number),
        lambda r: f"advisory_revisions.content:{r.case_key}/r{int(r.number)}",
    ),
    "cve_ids.answer_enc": ColumnSpec(
        cve_ids, "answer_enc", (cve_ids.c.cve_id,), lambda r: f"cve_ids.answer:{r.cve_id}"
    ),
    # Contexts mirror repositories/coord_contexts.py.
    "coord_invitations.token_enc": ColumnSpec(
        coord_invitations,
        "token_enc",
        (coord_invitations.c.id,),
        lambda r: f"coord_invitations.token:{r.id}",
    ),
    "coord_participants.people_enc": ColumnSpec(
        coord_participants,
        "people_enc",
        (coord_participants.c.case_key, coord_participants.c.party_id),
        lambda r: f"coord_participants.people:{r.case_key}:{r.party_id}",
    ),
    "coord_statements.statement_enc": ColumnSpec(
        coord_statements,
        "statement_enc",
        (coord_statements.c.case_key, coord_statements.c.sha256),
        lambda r: f"coord_statements.statement:{r.case_key}:{r.sha256}",
    ),
    "coord_messages.body_enc": ColumnSpec(
        coord_messages,
        "body_enc",
        (coord_messages.c.case_key, coord_messages.c.sha256),
        lambda r: f"coord_messages.body:{r.case_key}:{r.sha256}",
    ),
    "coord_attachments.content_enc": ColumnSpec(
        coord_attachments,
        "content_enc",
        (coord_attachments.c.case_key, coord_attachments.c.message_id, coord_attachments.c.sha256),
        lambda r: f"coord_attachments.content:{r.case_key}:{r.message_id}:{r.sha256}",
    ),
    "coord_watermarks.recipient_enc": ColumnSpec(
        coord_watermarks,
        "recipient_enc",
        (coord_watermarks.c.case_key, coord_watermarks.c.token),
        lambda r: f"coord_watermarks.recipient:{r.case_key}:{r.token}",
    ),
    # Mirrors repositories/snapshots.py: the worker's sealed figures (decision 0048).
    "snapshots.body_enc": ColumnSpec(
        snapshots, "body_enc", (), lambda r: f"snapshots.body:{r.name}", pk=("name",)
    ),
}


def _prefix(key_id: str) -> bytes:
    raw = key_id.encode()
    return MAGIC + bytes([len(raw)]) + raw


class SqlKeyMaintenance:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    def current_key(self) -> str:
        return self.cipher.ring.current

    def rotate_file(self, path: str) -> str:
        """Write a keyring with a new current key, then adopt it in this process."""
        ring = self.cipher.ring.rotated()
        save_keyring(Path(path), ring)
        adopt(self.cipher, ring)
        return ring.current

    def drop_old_keys(self, path: str) -> list[str]:
        ring = self.cipher.ring
        slim = ring.without_others()
        save_keyring(Path(path), slim)
        adopt(self.cipher, slim)
        return sorted(set(ring.keys) - {ring.current})

    def columns(self) -> list[str]:
        return sorted(SPECS)

    def unsupported(self) -> list[str]:
        found = {
            f"{t.name}.{c.name}"
            for t in metadata.sorted_tables
            for c in t.columns
            if c.name.endswith("_enc")
        }
        return sorted(found - set(SPECS))

    def usage(self) -> dict[str, dict[str, int]]:
        """Ciphertexts per key id, per column."""
        out: dict[str, dict[str, int]] = {}
        for name, spec in SPECS.items():
            col = spec.table.c[spec.column]
            head = func.substr(col, 1, 64).label("head")
            counts: dict[str, int] = {}
            for row in self.conn.execute(select(head).where(col.is_not(None))):
                kid = self.cipher.key_id_of(bytes(row.head))
                counts[kid] = counts.get(kid, 0) + 1
            out[name] = counts
        return out

    def reencrypt_batch(self, column: str, limit: int) -> int:
        """Re-seal up to `limit` rows not yet under the current key; returns how many changed."""
        spec = SPECS[column]
        col = spec.table.c[spec.column]
        pk = [spec.table.c[name] for name in spec.pk]
        want = _prefix(self.cipher.ring.current)
        stmt = (
            select(*pk, col, *spec.extra)
            .where(col.is_not(None), func.substr(col, 1, len(want)) != want)
            .order_by(*pk)
            .limit(limit)
        )
        changed = 0
        for row in self.conn.execute(stmt).all():
            old = bytes(getattr(row, spec.column))
            ctx = spec.context(row)
            fresh = self.cipher.encrypt(self.cipher.decrypt(old, ctx), ctx)
            # Compare-and-set: a concurrent writer's newer value is never overwritten.
            same_row = [c == getattr(row, c.name) for c in pk]
            result = self.conn.execute(
                update(spec.table).where(*same_row, col == old).values({spec.column: fresh})
            )
            changed += int(result.rowcount)
            if result.rowcount:  # new ciphertext: an evidence row is bound anew
                evidence.note(self.conn, spec.table, and_(*same_row))
        return changed


def adopt(cipher: FieldCipher, ring: Keyring) -> None:
    """Teach a live cipher a new keyring: decryption keys first, so readers never miss a key."""
    cipher.adopt(ring)

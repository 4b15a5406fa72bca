"""Which columns of which tables are evidence, and the rows a transaction wrote to them.

`EVIDENCE` is the one definition of an evidence row, read by the writer (the rows a
transaction wrote are bound to the audit chain when it commits, see `SqlAuditLog.flush`) and
by the verifier (`SqlAuditLog.evidence_rows`). A column added to an evidence table goes into
its tuple here, or into `NOT_EVIDENCE` with the reason (tests/unit/test_evidence_columns.py
holds every column to one of the two). NULL columns are left out of a row's digest, so a
nullable column added later does not change the digest of rows written before it.

Writers call `note` with the rows they inserted or changed; the notes live with the
transaction on the connection and are dropped when it ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, inspect, or_, select

from vulndesk.adapters.storage.tables.accounts import sso_subjects
from vulndesk.adapters.storage.tables.advisories import (
    advisory_approvals,
    advisory_revisions,
    cve_ids,
)
from vulndesk.adapters.storage.tables.background import escalations
from vulndesk.adapters.storage.tables.coordination import (
    coord_accounts,
    coord_attachments,
    coord_embargo_events,
    coord_messages,
    coord_participants,
    coord_statements,
    coord_watermarks,
)
from vulndesk.adapters.storage.tables.core import case_facts, case_transitions, obligations
from vulndesk.adapters.storage.tables.intake import intake_mailings
from vulndesk.adapters.storage.tables.notify import notify_messages
from vulndesk.adapters.storage.tables.publication import (
    case_shares,
    publication_approvals,
    publication_decisions,
)
from vulndesk.adapters.storage.tables.reports import (
    decision_approvals,
    decision_records,
    ledger_entries,
    report_approvals,
    report_drafts,
)
from vulndesk.domain.evidence import row_digest

# table -> its evidential columns; the primary key `id` names the row in its binding.
EVIDENCE: dict[Table, tuple[str, ...]] = {
    case_facts: ("case_id", "kind", "at", "recorded_by", "recorded_at", "evidence_enc", "revision"),
    case_transitions: ("case_id", "from_state", "to_state", "by", "at", "reason"),
    obligations: (
        "case_id",
        "unit_id",
        "obligation_id",
        "regulation",
        "article",
        "recipient",
        "trigger",
        "trigger_at",
        "timing",
        "due_at",
        "period",
        "timezone",
        "satisfied_fact",
        "satisfied_disclosure",
        "status",
        "met_at",
        "met_ref",
        "waived_reason",
        "waived_by",
        "flags",
    ),
    report_drafts: (
        "case_key",
        "unit_id",
        "kind",
        "stage",
        "recipient_id",
        "recipient_kind",
        "version",
        "sha256",
        "fields",
        "status",
        "created_at",
        "created_by",
    ),
    report_approvals: ("draft_id", "actor", "unit_id", "at"),
    decision_records: (
        "kind",
        "case_key",
        "recipient_id",
        "draft_id",
        "fields",
        "reason",
        "created_at",
        "created_by",
        "obligation_id",
    ),
    decision_approvals: ("decision_id", "actor", "at"),
    ledger_entries: (
        "case_key",
        "unit_id",
        "disclosure_kind",
        "recipient_id",
        "recipient_kind",
        "channel",
        "at",
        "draft_ref",
        "receipt",
        "screenshot",
        "screenshot_sha256",
        "sha256",
        "fields",
        "classes",
        "approvers",
        "recorded_at",
        "recorded_by",
        "backdate_decision_id",
    ),
    notify_messages: (
        "dedupe_key",
        "case_key",
        "unit_id",
        "kind",
        "party_id",
        "party_kind",
        "channel",
        "address",
        "language",
        "sha256",
        "fields",
        "classes",
        "draft_ref",
        "approvers",
        "created_at",
        "created_by",
        "sent_at",
        "ledger_id",
    ),
    escalations: (
        "dedupe_key",
        "case_key",
        "obligation_id",
        "due_at",
        "threshold",
        "delivered_at",
        "delivered_by",
        "status",
        "recipient",
        "channel",
    ),
    publication_decisions: ("case_key", "kind", "subject", "by", "at", "note"),
    publication_approvals: ("decision_id", "actor", "at"),
    case_shares: ("case_key", "recipient", "country", "is_provider", "at", "note"),
    advisory_revisions: (
        "case_key",
        "unit_id",
        "number",
        "sha256",
        "tlp",
        "status",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
        "csaf_version",
    ),
    advisory_approvals: ("revision_id", "actor", "unit_id", "at"),
    # Which provider subject opens which account: who could sign in as whom, and since when.
    sso_subjects: ("issuer", "subject", "user_name", "linked_at"),
    # A case's CVE id at CVE Services: its state, who moved it and when, the rejection reason.
    cve_ids: (
        "cve_id",
        "case_key",
        "unit_id",
        "year",
        "state",
        "reserved_at",
        "reserved_by",
        "published_at",
        "published_by",
        "updated_at",
        "updated_by",
        "rejected_at",
        "rejected_by",
        "reason",
        "answered_at",
    ),
    # A staff reply mailed to the reporter: which message, to whom (by digest), how, when.
    intake_mailings: (
        "tracking",
        "message",
        "recipient_sha256",
        "encrypted",
        "message_id",
        "sent_at",
    ),
    # Coordinated disclosure: who was invited when, what each said and who approved it, every
    # step of the embargo, and each thread message (by digest).
    coord_participants: (
        "case_key",
        "party_id",
        "role",
        "people_sha256",
        "invited_at",
        "invited_by",
    ),
    coord_statements: (
        "case_key",
        "participant_id",
        "product",
        "status",
        "justification",
        "fixed_versions",
        "sha256",
        "recorded_at",
        "recorded_by",
        "approved_at",
        "approved_by",
    ),
    coord_embargo_events: (
        "case_key",
        "kind",
        "at",
        "by",
        "reason",
        "participant_id",
        "end_at",
        "zone",
        "seen_where",
        "seen_at",
    ),
    coord_messages: ("case_key", "participant_id", "author", "at", "sha256"),
    coord_attachments: ("case_key", "message_id", "name", "media_type", "size", "sha256", "at"),
    # Watermarks (decision 0047): which recipient got which token in which document.
    coord_watermarks: (
        "token",
        "ref",
        "case_key",
        "participant_id",
        "party_id",
        "recipient_sha256",
        "kind",
        "at",
        "by",
        "document_sha256",
    ),
    # Which account speaks for which participant (decision 0045).
    coord_accounts: ("user_name", "case_key", "participant_id", "created_at", "created_by"),
}

# Columns of evidence tables left out of the digest, and why.
NOT_EVIDENCE: dict[Table, dict[str, str]] = {
    obligations: {
        "action": "rule-file wording, shown from the rule set in force",
        "action_zh": "rule-file wording, shown from the rule set in force",
        "interpretation": "rule-file notes, shown from the rule set in force",
        "updated_at": "bookkeeping: when the row was last written",
    },
    report_drafts: {"content_enc": "re-sealed by key rotation; bound by `sha256` of the text"},
    ledger_entries: {"content_enc": "re-sealed by key rotation; bound by `sha256` of the text"},
    notify_messages: {"content_enc": "re-sealed by key rotation; bound by `sha256` of the text"},
    advisory_revisions: {
        "content_enc": "re-sealed by key rotation; bound by `sha256` of the text",
        "cve_id": "a plain copy of the CVE id inside the content, for search; bound by `sha256`",
    },
    cve_ids: {"answer_enc": "CVE Services' own answer, re-sealed by key rotation"},
    intake_mailings: {
        "recipient_enc": "re-sealed by key rotation; bound by `recipient_sha256` of the address"
    },
    coord_participants: {
        "people_enc": "re-sealed by key rotation; bound by `people_sha256` of the list"
    },
    coord_statements: {"statement_enc": "re-sealed by key rotation; bound by `sha256` of the text"},
    coord_messages: {"body_enc": "re-sealed by key rotation; bound by `sha256` of the text"},
    coord_attachments: {"content_enc": "re-sealed by key rotation; bound by `sha256` of the file"},
    coord_watermarks: {
        "recipient_enc": "re-sealed by key rotation; bound by `recipient_sha256` of the name"
    },
}

BY_NAME: dict[str, Table] = {t.name: t for t in EVIDENCE}
_PENDING = "vd_evidence_pending"
# Noted rows are read back in statements of at most this many ids or clauses, so a
# transaction may write any number of evidence rows: SQLite allows 32,766 bound values per
# statement and a deep OR nests its parser, so one statement per table would not do.
_IDS_PER_READ = 500
_CLAUSES_PER_READ = 100


class _Noted:
    """One table's noted rows: ids kept as a set, other conditions as a list."""

    __slots__ = ("clauses", "ids")

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.clauses: list[ColumnElement[bool]] = []


def _pending(conn: Connection) -> dict[Table, _Noted]:
    tx = conn.get_transaction()
    pending: tuple[Any, dict[Table, _Noted]] | None = conn.info.get(_PENDING)
    if pending is None or pending[0] is not tx:
        pending = (tx, {})
        conn.info[_PENDING] = pending
    return pending[1]


def note(conn: Connection, table: Table, *where: ColumnElement[bool]) -> None:
    """Mark rows of an evidence table (those matching any `where`) as written by this
    transaction: they are bound to the audit chain before it commits."""
    if table not in EVIDENCE or not where:
        return
    _pending(conn).setdefault(table, _Noted()).clauses.extend(where)


def note_ids(conn: Connection, table: Table, ids: Iterable[int]) -> None:
    """Mark rows of an evidence table by primary key (see `note`)."""
    wanted = {int(i) for i in ids}
    if wanted and table in EVIDENCE:
        _pending(conn).setdefault(table, _Noted()).ids.update(wanted)


def has_pending(conn: Connection) -> bool:
    pending = conn.info.get(_PENDING)
    return pending is not None and pending[0] is conn.get_transaction() and bool(pending[1])


def drop_pending(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


def _conditions(table: Table, noted: _Noted) -> Iterator[ColumnElement[bool]]:
    ids = sorted(noted.ids)
    if len(ids) <= _IDS_PER_READ and len(noted.clauses) <= _CLAUSES_PER_READ:
        yield or_(*([table.c.id.in_(ids)] if ids else []), *noted.clauses)  # one read
        return
    for i in range(0, len(ids), _IDS_PER_READ):
        yield table.c.id.in_(ids[i : i + _IDS_PER_READ])
    for i in range(0, len(noted.clauses), _CLAUSES_PER_READ):
        yield or_(*noted.clauses[i : i + _CLAUSES_PER_READ])


def take_pending(conn: Connection) -> dict[str, str]:
    """The digests of the rows noted so far, keyed `<table>:<pk>`; the notes are cleared."""
    if not has_pending(conn):
        drop_pending(conn)
        return {}
    noted: dict[Table, _Noted] = conn.info.pop(_PENDING)[1]
    out: dict[str, str] = {}
    for table, rows in noted.items():
        cols = _present(conn, table)
        if cols is None:
            continue  # a table a later migration creates: it has no rows yet
        for where in _conditions(table, rows):
            stmt = select(table.c.id, *(table.c[c] for c in cols)).where(where)
            for row in conn.execute(stmt):
                out[f"{table.name}:{row[0]}"] = row_digest(dict(zip(cols, row[1:], strict=True)))
    return out


def _present(conn: Connection, table: Table) -> tuple[str, ...] | None:
    """The evidential columns of `table` the database has (None: it has not the table). Only
    a migration that runs before a later one adds a column or table sees fewer; an absent
    column is NULL, left out of the digest."""
    if not conn.info.get(MIGRATING):
        return EVIDENCE[table]
    found = inspect(conn)
    if not found.has_table(table.name):
        return None
    have = {c["name"] for c in found.get_columns(table.name)}
    return tuple(c for c in EVIDENCE[table] if c in have)


MIGRATING = "vd_evidence_migrating"


def digests(conn: Connection, batch: int = 5000) -> Iterator[tuple[str, str, str]]:
    """(table, pk, digest) of every stored evidence row, table by table, in primary-key order."""
    for table, cols in EVIDENCE.items():
        last: Any = None
        while True:
            stmt = select(table.c.id, *(table.c[c] for c in cols)).order_by(table.c.id).limit(batch)
            if last is not None:
                stmt = stmt.where(table.c.id > last)
            rows = conn.execute(stmt).all()
            for row in rows:
                yield table.name, str(row[0]), row_digest(dict(zip(cols, row[1:], strict=True)))
            if len(rows) < batch:
                break
            last = rows[-1][0]


def note_all_present(conn: Connection) -> None:
    """Note every stored evidence row (a database written before binding existed)."""
    for table in EVIDENCE:
        note(conn, table, table.c.id.is_not(None))

"""Tables for coordinated disclosure: participants, their statuses, the embargo's events, the
threads, and the package URLs each party declares it makes (migration 0065); read markers
(0069); files attached to messages (0073)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from vulndesk.adapters.storage.tables.core import ID, metadata
from vulndesk.adapters.storage.types import UTCDateTime

coord_participants = Table(
    "coord_participants",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False),
    Column("party_id", String(63), nullable=False),
    Column("role", String(32), nullable=False),
    # Names and mail addresses of the participant's people: personal data, sealed.
    Column("people_enc", LargeBinary, nullable=False),
    Column("people_sha256", String(64), nullable=False),
    Column("invited_at", UTCDateTime, nullable=False),
    Column("invited_by", String(200), nullable=False),
    UniqueConstraint("case_key", "party_id", name="uq_coord_participants_party"),
)

coord_statements = Table(
    "coord_statements",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False),
    Column("participant_id", ID, ForeignKey("coord_participants.id"), nullable=False),
    Column("product", String(400), nullable=False),
    Column("status", String(32), nullable=False),
    Column("justification", String(64), nullable=True),
    Column("fixed_versions", JSON, nullable=False),
    Column("statement_enc", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("approved_at", UTCDateTime, nullable=True),
    Column("approved_by", String(200), nullable=True),
)
Index("ix_coord_statements_case", coord_statements.c.case_key, coord_statements.c.id)

coord_embargo_events = Table(
    "coord_embargo_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("participant_id", ID, nullable=True),
    Column("end_at", UTCDateTime, nullable=True),
    Column("zone", String(64), nullable=True),
    Column("seen_where", String(1000), nullable=True),
    Column("seen_at", UTCDateTime, nullable=True),
)
Index("ix_coord_embargo_events_case", coord_embargo_events.c.case_key, coord_embargo_events.c.id)

coord_messages = Table(
    "coord_messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False),
    # NULL: the case's shared thread; else the private thread of that participant.
    Column("participant_id", ID, nullable=True),
    Column("author", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("body_enc", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
)
Index("ix_coord_messages_case", coord_messages.c.case_key, coord_messages.c.id)

# Files attached to a thread message (migration 0073): sealed with a context binding the
# case, the message and the file's SHA-256; checked, limited and typed as intake attachments.
coord_attachments = Table(
    "coord_attachments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_key", String(32), nullable=False),
    Column("message_id", ID, ForeignKey("coord_messages.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content_enc", LargeBinary, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_coord_attachments_message", coord_attachments.c.message_id)

# The newest message each account has read, per case and thread (migration 0069): working
# state for unread markers; `thread` is `shared` or the participant id, for uniqueness.
coord_reads = Table(
    "coord_reads",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account", String(200), nullable=False),
    Column("case_key", String(32), nullable=False),
    Column("thread", String(32), nullable=False),
    Column("participant_id", ID, nullable=True),
    Column("last_message_id", ID, nullable=False),
    Column("read_at", UTCDateTime, nullable=False),
    UniqueConstraint("account", "case_key", "thread", name="uq_coord_reads_thread"),
)

party_purls = Table(
    "party_purls",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("party_id", String(63), nullable=False),
    Column("purl", String(400), nullable=False),
    UniqueConstraint("party_id", "purl", name="uq_party_purls_purl"),
)
Index("ix_party_purls_party", party_purls.c.party_id)

# One row per watermarked document a recipient got (decision 0047): the token traces a leaked
# copy back to it. The recipient (a person's name and address) is sealed.
coord_watermarks = Table(
    "coord_watermarks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("token", String(20), nullable=False),
    Column("ref", String(11), nullable=False),
    Column("case_key", String(32), nullable=False),
    Column("participant_id", ID, nullable=False),
    Column("party_id", String(63), nullable=False),
    Column("recipient_enc", LargeBinary, nullable=False),
    Column("recipient_sha256", String(64), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(200), nullable=False),
    Column("document_sha256", String(64), nullable=False),
    UniqueConstraint("token", name="uq_coord_watermarks_token"),
    UniqueConstraint("ref", name="uq_coord_watermarks_ref"),
)
# Participants' own accounts (migration 0068, decision 0045): which account speaks for which
# participant of which case. One account may take part in many cases, once per case.
coord_accounts = Table(
    "coord_accounts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_name", String(63), nullable=False),
    Column("case_key", String(32), nullable=False),
    Column("participant_id", ID, ForeignKey("coord_participants.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint("user_name", "case_key", name="uq_coord_accounts_user_case"),
)
Index("ix_coord_accounts_case", coord_accounts.c.case_key, coord_accounts.c.participant_id)

# One-time invitation links. Only the SHA-256 of the token is kept to find it; the token itself
# is sealed in `token_enc` until the worker has mailed it, then cleared.
coord_invitations = Table(
    "coord_invitations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user_name", String(63), nullable=False),
    Column("case_key", String(32), nullable=False),
    Column("participant_id", ID, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("token_enc", LargeBinary, nullable=True),
)
Index("ix_coord_invitations_user_case", coord_invitations.c.user_name, coord_invitations.c.case_key)

"""The coordination API's shapes and path parameters (/api/v1/cases/{key}/coordination/...).

The routes are in the modules beside this one, by sub-feature: routes_coordination_participants
(participants, statuses), _embargo, _shares (suggestions, the shared view), _threads and _trace
(a party's package URLs, leak tracing). Every creating POST takes an Idempotency-Key; instants
come back as UTC with the embargo's zone and both renderings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from vulndesk.services.intake.public import MAX_ATTACHMENTS

CaseKeyPath = Annotated[str, Path(max_length=32)]
IdPath = Annotated[int, Path(ge=1, le=2**53)]
ThreadPath = Annotated[str, Path(max_length=20, description="shared, or a participant id")]
Zone = Annotated[str, Query(max_length=64, description="Your IANA zone, for display")]
BASE = "/cases/{key}/coordination"


class PersonOut(BaseModel):
    name: str
    address: str


class ParticipantIn(BaseModel):
    party: str = Field(max_length=63)
    role: str = Field(max_length=32, description="upstream_supplier, downstream_maker, ...")
    people: list[str] = Field(max_length=20, description='"Name <address>" each')


class ParticipantOut(BaseModel):
    id: int
    party: str
    party_name: str
    party_kind: str
    country: str
    role: str
    people: list[PersonOut]
    invited_at: dt.datetime
    invited_by: str


class ParticipantList(BaseModel):
    participants: list[ParticipantOut]


class StatementIn(BaseModel):
    participant: int = Field(ge=1)
    product: str = Field(max_length=400)
    status: str = Field(max_length=32)
    statement: str = Field(max_length=20_000)
    justification: str | None = Field(default=None, max_length=64)
    fixed_versions: list[str] = Field(default_factory=list, max_length=100)


class StatementOut(BaseModel):
    id: int
    participant: int
    product: str
    status: str
    statement: str
    justification: str | None
    fixed_versions: list[str]
    recorded_at: dt.datetime
    recorded_by: str
    approved_at: dt.datetime | None
    approved_by: str | None


class CellOut(BaseModel):
    """`status` no_answer with `since` the invitation is silence, never under_investigation."""

    participant: int
    product: str
    status: str
    since: dt.datetime
    current: StatementOut | None
    pending: StatementOut | None


class BoardOut(BaseModel):
    cells: list[CellOut]
    statements: list[StatementOut] = Field(
        default_factory=list, description="Every statement recorded, approved or not"
    )


class EmbargoEventIn(BaseModel):
    kind: Literal["propose", "accept", "decline", "extend", "break", "end"]
    reason: str = Field(max_length=4000, description="Who asked and why")
    end: str | None = Field(
        default=None, max_length=40, description="Local time in `zone`, e.g. 2027-03-10T09:00"
    )
    zone: str | None = Field(default=None, max_length=64, description="The embargo's IANA zone")
    participant: int | None = Field(default=None, ge=1, description="A participant's answer")
    where: str | None = Field(default=None, max_length=1000, description="break: where seen")
    seen_at: str | None = Field(default=None, max_length=40, description="break: when seen")


class EmbargoEventOut(BaseModel):
    id: int
    kind: str
    at: dt.datetime
    by: str
    reason: str
    participant: int | None
    end: dt.datetime | None
    zone: str | None
    seen_where: str | None
    seen_at: dt.datetime | None


class RefusalOut(BaseModel):
    participant: int
    party: str
    reason: str


class EmbargoOut(BaseModel):
    state: str
    in_force: bool
    end: dt.datetime | None
    zone: str | None
    end_in_zone: str | None
    end_in_your_zone: str | None
    pending_end: dt.datetime | None
    pending_zone: str | None
    pending_in_zone: str | None
    pending_in_your_zone: str | None
    accepted_by: list[int]
    declined_by: list[int]
    events: list[EmbargoEventOut]
    told: list[int] = []
    not_told: list[RefusalOut] = []
    # After a break: the end that no longer holds publication, and since when it is free.
    held_until_in_zone: str | None = None
    publication_free_since: str | None = None


class SuggestionOut(BaseModel):
    party: str
    name: str
    role: str
    reasons: list[str]
    invited: bool


class SuggestionList(BaseModel):
    suggestions: list[SuggestionOut]


class ViewOut(BaseModel):
    participant: int
    party: str
    title: str
    fields: dict[str, str]
    withheld: list[str]
    statuses: list[list[str]]
    embargo: str | None
    text: str = Field(description="The document as sent, watermarked for the participant")
    watermark: str = Field(description="The short ref on its visible line, WM-...")
    ledger: str | None = None


class TraceIn(BaseModel):
    text: str = Field(max_length=300_000, description="A leaked or pasted copy")


class TraceMatch(BaseModel):
    case: str
    participant: int
    party: str
    recipient: str
    kind: str
    at: dt.datetime
    by: str
    ref: str
    document_sha256: str
    found_by: str = Field(description="invisible (the embedded token) or ref (visible line)")


class TraceOut(BaseModel):
    found: list[TraceMatch]


class FileIn(BaseModel):
    """A file for a message: its name and its bytes in base64 (checked as intake attachments
    are: at most 10 MB; text, PDF, PNG, JPEG or ZIP by content)."""

    name: str = Field(max_length=255)
    content_base64: str = Field(max_length=14_000_000)


class FileOut(BaseModel):
    name: str
    media_type: str
    size: int
    sha256: str


class MessageIn(BaseModel):
    body: str = Field(max_length=50_000)
    attachments: list[FileIn] = Field(default=[], max_length=MAX_ATTACHMENTS)


class MessageOut(BaseModel):
    id: int
    participant: int | None
    author: str
    at: dt.datetime
    body: str
    sha256: str
    ledger: list[str] = []
    mentions: list[str] = []  # the `@names` in the message, each once
    attachments: list[FileOut] = []


class MessageList(BaseModel):
    messages: list[MessageOut]


class ThreadOut(BaseModel):
    thread: str  # `shared` or a participant id
    participant: int | None
    count: int
    last_at: dt.datetime | None
    unread: int  # messages the caller has neither read nor written


class ThreadList(BaseModel):
    threads: list[ThreadOut]


class PurlsIn(BaseModel):
    purls: list[str] = Field(max_length=1000)


class PurlsOut(BaseModel):
    party: str
    purls: list[str]

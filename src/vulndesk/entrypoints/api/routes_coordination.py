"""Coordination routes (/api/v1/cases/{key}/coordination/...): participants, statuses, the
embargo, threads, suggestions and the shared view. Every creating POST takes an
Idempotency-Key; instants come back as UTC with the embargo's zone and both renderings."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vulndesk.domain.coordination import StatusCell, StatusStatement
from vulndesk.domain.embargo import EmbargoEvent
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.threads import MessageFile, ThreadMessage
from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.services.context import Deps
from vulndesk.services.coordination import (
    embargo,
    participants,
    statuses,
    suggest,
    threads,
    watermark,
)
from vulndesk.services.intake.public import MAX_ATTACHMENTS
from vulndesk.services.notify import coord_mail

router = APIRouter(prefix="/api/v1", tags=["coordination"], responses=ERROR_RESPONSES)
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


def decoded(files: list[FileIn]) -> list[tuple[str, bytes]]:
    """The files' names and bytes; bad base64 is bad input naming the file's field."""
    out = []
    for i, f in enumerate(files):
        try:
            out.append((f.name, base64.b64decode(f.content_base64, validate=True)))
        except (binascii.Error, ValueError):
            raise InvalidInput(
                f"attachments[{i}].content_base64", "is not base64", "the file's bytes in base64"
            ) from None
    return out


def files_out(files: tuple[MessageFile, ...]) -> list[FileOut]:
    return [
        FileOut(name=f.name, media_type=f.media_type, size=f.size, sha256=f.sha256) for f in files
    ]


def file_response(found: tuple[MessageFile, bytes]) -> Response:
    """A message file as a download, never shown inline."""
    f, content = found
    return Response(
        content,
        media_type=f.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


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


def _participant_out(r: participants.ParticipantRow) -> ParticipantOut:
    p = r.participant
    return ParticipantOut(
        id=p.id,
        party=p.party,
        party_name=r.party_name,
        party_kind=r.party_kind,
        country=r.country,
        role=p.role.value,
        people=[PersonOut(name=c.name, address=c.address) for c in p.people],
        invited_at=p.invited_at,
        invited_by=p.invited_by,
    )


def _maybe(s: StatusStatement | None) -> StatementOut | None:
    return None if s is None else _statement_out(s)


def _statement_out(s: StatusStatement) -> StatementOut:
    return StatementOut(
        id=s.id,
        participant=s.participant,
        product=s.product,
        status=s.status.value,
        statement=s.statement,
        justification=s.justification.value if s.justification else None,
        fixed_versions=list(s.fixed_versions),
        recorded_at=s.recorded_at,
        recorded_by=s.recorded_by,
        approved_at=s.approved_at,
        approved_by=s.approved_by,
    )


def _cell_out(c: StatusCell) -> CellOut:
    return CellOut(
        participant=c.participant,
        product=c.product,
        status=c.status.value,
        since=c.since,
        current=_maybe(c.current),
        pending=_maybe(c.pending),
    )


def _event_out(e: EmbargoEvent) -> EmbargoEventOut:
    return EmbargoEventOut(
        id=e.id,
        kind=e.kind.value,
        at=e.at,
        by=e.by,
        reason=e.reason,
        participant=e.participant,
        end=e.end,
        zone=e.zone,
        seen_where=e.seen_where,
        seen_at=e.seen_at,
    )


def _embargo_out(shown: embargo.Shown, step: embargo.Step | None = None) -> EmbargoOut:
    e = shown.embargo
    return EmbargoOut(
        state=e.state.value,
        in_force=shown.in_force,
        end=e.end,
        zone=e.zone,
        end_in_zone=shown.in_zone,
        end_in_your_zone=shown.in_viewer_zone,
        pending_end=e.pending_end,
        pending_zone=e.pending_zone,
        pending_in_zone=shown.pending_in_zone,
        pending_in_your_zone=shown.pending_in_viewer_zone,
        accepted_by=sorted(e.accepted_by),
        declined_by=sorted(e.declined_by),
        events=[_event_out(ev) for ev in e.events],
        held_until_in_zone=shown.held_until_in_zone,
        publication_free_since=shown.free_since_in_viewer_zone,
        told=list(step.told) if step else [],
        not_told=[
            RefusalOut(participant=r.participant, party=r.party, reason=r.reason)
            for r in (step.refused if step else ())
        ],
    )


def _view_out(view: participants.SharedView, ledger: str | None = None) -> ViewOut:
    return ViewOut(
        participant=view.participant,
        party=view.party,
        title=view.title,
        fields=view.fields,
        withheld=list(view.withheld),
        statuses=[list(s) for s in view.statuses],
        embargo=view.embargo,
        text=view.stamped,
        watermark=view.ref,
        ledger=ledger,
    )


def _message_out(m: ThreadMessage, ledger: tuple[str, ...] = ()) -> MessageOut:
    return MessageOut(
        id=m.id,
        participant=m.participant,
        author=m.author,
        at=m.at,
        body=m.body,
        sha256=m.sha256,
        ledger=list(ledger),
        mentions=list(coord_mail.mentions(m.body)),
        attachments=files_out(m.files),
    )


@router.get(BASE + "/participants", response_model=ParticipantList)
def list_participants(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> ParticipantList:
    """The organisations taking part in the case, with their people."""
    rows = participants.participants(d, who, key)
    return ParticipantList(participants=[_participant_out(r) for r in rows])


@router.post(BASE + "/participants", response_model=ParticipantOut, status_code=201)
def add_participant(
    key: CaseKeyPath,
    body: ParticipantIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Invite an organisation (nothing is sent until it is shared with)."""

    def run(j: Deps) -> ParticipantOut:
        added = participants.invite(j, who, key, body.party, body.role, body.people)
        row = next(
            r for r in participants.participants(j, who, key) if r.participant.id == added.id
        )
        return _participant_out(row)

    return idempotent(request, who, idem, body, run)


@router.get(BASE + "/statuses", response_model=BoardOut)
def get_board(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> BoardOut:
    """Every participant and product: approved status, or no_answer since the invitation."""
    found = statuses.status_board(d, who, key)
    return BoardOut(
        cells=[_cell_out(c) for c in found.cells],
        statements=[_statement_out(s) for s in found.statements],
    )


@router.post(BASE + "/statuses", response_model=StatementOut, status_code=201)
def add_statement(
    key: CaseKeyPath,
    body: StatementIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Record a participant's status of a product; shared once a second person approves it."""

    def run(j: Deps) -> StatementOut:
        saved = statuses.record(
            j,
            who,
            key,
            body.participant,
            body.product,
            body.status,
            body.statement,
            body.justification,
            body.fixed_versions,
        )
        return _statement_out(saved)

    return idempotent(request, who, idem, body, run)


@router.post(BASE + "/statuses/{statement}/approval", response_model=StatementOut, status_code=201)
def approve_statement(
    key: CaseKeyPath,
    statement: IdPath,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Approve a statement for sharing (a person other than its recorder)."""

    def run(j: Deps) -> StatementOut:
        return _statement_out(statuses.approve(j, who, key, statement))

    return idempotent(request, who, idem, None, run)


@router.get(BASE + "/embargo", response_model=EmbargoOut)
def get_embargo(
    key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps, zone: Zone = "UTC"
) -> EmbargoOut:
    """The embargo: state, end in its zone and in `zone`, every step with who and why."""
    return _embargo_out(embargo.show(d, who, key, zone))


@router.post(BASE + "/embargo/events", response_model=EmbargoOut, status_code=201)
def embargo_event(
    key: CaseKeyPath,
    body: EmbargoEventIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
    zone: Zone = "UTC",
) -> JSONResponse:
    """One embargo step: propose/extend (end and zone), accept/decline (a participant's answer
    with `participant`), break (where and when seen; participants are told), end."""

    def run(j: Deps) -> EmbargoOut:
        if body.kind in ("propose", "extend"):
            if body.end is None or body.zone is None:
                raise InvalidInput("end", f"{body.kind} needs end and zone", "both")
            act = embargo.propose if body.kind == "propose" else embargo.extend
            step = act(j, who, key, body.end, body.zone, body.reason)
        elif body.kind == "accept":
            step = embargo.accept(j, who, key, body.reason, body.participant)
        elif body.kind == "decline":
            step = embargo.decline(j, who, key, body.reason, body.participant)
        elif body.kind == "break":
            step = embargo.record_break(
                j, who, key, body.where or "", body.seen_at or "", body.reason
            )
        else:
            step = embargo.end_embargo(j, who, key, body.reason)
        return _embargo_out(embargo.shown(step.embargo, zone, step.event.at), step)

    return idempotent(request, who, idem, body, run)


@router.get(BASE + "/suggestions", response_model=SuggestionList)
def get_suggestions(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> SuggestionList:
    """Whom to invite and why: SBOMs, named suppliers, declared package URLs, CSIRTs."""
    found = suggest.suggestions(d, who, key)
    return SuggestionList(
        suggestions=[
            SuggestionOut(
                party=s.party,
                name=s.name,
                role=s.role.value,
                reasons=list(s.reasons),
                invited=s.invited,
            )
            for s in found
        ]
    )


@router.get(
    BASE + "/participants/{participant}/view",
    response_model=ViewOut,
    responses={200: {"content": {"text/plain": {}, "application/json": {}}}},
)
def get_view(
    key: CaseKeyPath,
    participant: IdPath,
    who: CurrentPrincipal,
    d: CurrentDeps,
    format: Annotated[
        Literal["text", "json"] | None,
        Query(description="Download the watermarked document as text or JSON"),
    ] = None,
) -> ViewOut | Response:
    """What the participant would be sent (nothing leaves; the read is audited), watermarked
    for the participant; `format` text or json downloads it as a file."""
    view = participants.shared_view(d, who, key, participant, format or "text")
    if format is None:
        return _view_out(view)
    name = f"{view.case}-participant-{view.participant}-{view.ref}.{'txt' if format == 'text' else 'json'}"
    media = "text/plain; charset=utf-8" if format == "text" else "application/json"
    return Response(
        view.stamped,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(BASE + "/participants/{participant}/shares", response_model=ViewOut, status_code=201)
def share_view(
    key: CaseKeyPath,
    participant: IdPath,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Send the participant its shared view: the disclosure guard judges, the ledger keeps it."""

    def run(j: Deps) -> ViewOut:
        view, entry = participants.share(j, who, key, participant)
        return _view_out(view, entry.ref)

    return idempotent(request, who, idem, None, run)


@router.get(BASE + "/threads", response_model=ThreadList)
def list_threads(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> ThreadList:
    """The shared thread and each participant's, with sizes and the caller's unread counts;
    reading a thread's messages marks it read."""
    return ThreadList(
        threads=[
            ThreadOut(
                thread=t.name, participant=t.thread, count=t.count, last_at=t.last_at,
                unread=t.unread,
            )
            for t in threads.thread_states(d, who, key)
        ]
    )  # fmt: skip


@router.get(BASE + "/threads/{thread}/messages", response_model=MessageList)
def read_thread(
    key: CaseKeyPath,
    thread: ThreadPath,
    who: CurrentPrincipal,
    d: CurrentDeps,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> MessageList:
    """The newest messages of the shared thread or a participant's, oldest first (audited);
    marks the thread read for the caller."""
    return MessageList(messages=[_message_out(m) for m in threads.read(d, who, key, thread, limit)])


@router.post(BASE + "/threads/{thread}/messages", response_model=MessageOut, status_code=201)
def post_message(
    key: CaseKeyPath,
    thread: ThreadPath,
    body: MessageIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Post; every recipient passes the disclosure guard and the ledger records it."""

    def run(j: Deps) -> MessageOut:
        posted = threads.post(j, who, key, thread, body.body, decoded(body.attachments))
        return _message_out(posted.message, posted.ledger)

    return idempotent(request, who, idem, body, run)


@router.get(BASE + "/threads/{thread}/messages/{message}/attachments/{sha256}")
def get_attachment(
    key: CaseKeyPath,
    thread: ThreadPath,
    message: Annotated[int, Path(ge=1)],
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")],
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> Response:
    """A file of a message (the download is audited); 404 alike for missing and forbidden."""
    return file_response(threads.file(d, who, key, thread, message, sha256))


@router.put("/parties/{party}/purls", response_model=PurlsOut)
def put_purls(
    party: Annotated[str, Path(max_length=63)],
    body: PurlsIn,
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> PurlsOut:
    """The package URLs the party makes (replaces its list), read by the suggestions."""
    saved = participants.set_party_purls(d, who, party, body.purls)
    return PurlsOut(party=party, purls=list(saved))


@router.post("/coordination/trace", response_model=TraceOut)
def trace(body: TraceIn, who: CurrentPrincipal, d: CurrentDeps) -> TraceOut:
    """Whose copy a leaked text is: the watermarks it carries (the invisible token, or only the
    visible ref), of cases you may see; none found answers an empty list (audited)."""
    found = watermark.trace(d, who, body.text)
    return TraceOut(found=[_match_out(f) for f in found])


def _match_out(f: watermark.Found) -> TraceMatch:
    m = f.mark
    return TraceMatch(
        case=m.case,
        participant=m.participant,
        party=m.party,
        recipient=m.recipient,
        kind=m.kind,
        at=m.at,
        by=m.by,
        ref=m.ref,
        document_sha256=m.document_sha256,
        found_by=f.how,
    )

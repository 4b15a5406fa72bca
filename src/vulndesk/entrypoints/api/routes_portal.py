"""The participant portal's API (/api/v1/shared/cases/...) and the desk's invitation of a
participant's person (decision 0045). Every read is audited; every POST takes an
Idempotency-Key. A case the caller does not take part in is a missing case's 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from vulndesk.domain.coordination import StatusStatement
from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    container,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_coordination import FileIn, FileOut
from vulndesk.entrypoints.api.routes_coordination_threads import (
    decoded,
    file_response,
    files_out,
)
from vulndesk.services.context import Deps
from vulndesk.services.coordination import invitations, portal
from vulndesk.services.intake.public import MAX_ATTACHMENTS

router = APIRouter(prefix="/api/v1", tags=["participant portal"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]
IdPath = Annotated[int, Path(ge=1, le=2**53)]
ThreadName = Annotated[Literal["shared", "private"], Path(description="shared or private")]
SHARED = "/shared/cases"


class InvitationIn(BaseModel):
    email: str = Field(max_length=320, description="One of the participant's people")
    name: str | None = Field(default=None, max_length=63, description="Account name to use")


class InvitationOut(BaseModel):
    """The link is shown here once; it is also mailed to the person."""

    user: str
    email: str
    case: str
    participant: int
    party: str
    link: str
    expires_at: dt.datetime
    account_created: bool


@router.post(
    "/cases/{key}/coordination/participants/{participant}/invitations",
    response_model=InvitationOut,
    status_code=201,
)
def invite(
    key: CaseKeyPath,
    participant: IdPath,
    body: InvitationIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Give one of the participant's people an account of its own and a one-time link."""
    public_url = container(request).settings.public_url

    def run(j: Deps) -> InvitationOut:
        made = invitations.invite_person(j, who, key, participant, body.email, body.name)
        return InvitationOut(
            user=made.user,
            email=made.email,
            case=made.case,
            participant=made.participant,
            party=made.party,
            link=invitations.link(public_url, made.token),
            expires_at=made.expires_at,
            account_created=made.account_created,
        )

    return idempotent(request, who, idem, body, run)


class MyCaseOut(BaseModel):
    case: str
    title: str
    participant: int
    party: str


class MyCaseList(BaseModel):
    cases: list[MyCaseOut]


class MessageOut(BaseModel):
    id: int
    at: dt.datetime
    who: str
    body: str
    mine: bool
    attachments: list[FileOut] = []


class MessageList(BaseModel):
    messages: list[MessageOut]


class StatusOut(BaseModel):
    party: str
    product: str
    status: str


class MyStatementOut(BaseModel):
    id: int
    product: str
    status: str
    statement: str
    justification: str | None
    fixed_versions: list[str]
    recorded_at: dt.datetime
    approved: bool


class EmbargoOut(BaseModel):
    state: str
    end_in_zone: str | None
    end_in_my_zone: str | None
    my_zone: str
    proposed: bool
    my_answer: str | None


class CaseOut(BaseModel):
    """The case's shared view for the caller's participant: only what its policy allows."""

    case: str
    participant: int
    party: str
    title: str
    fields: dict[str, str]
    withheld: list[str]
    statuses: list[StatusOut]
    embargo: EmbargoOut
    products: list[str]
    my_statements: list[MyStatementOut]
    shared_with: str
    # Messages you had not read before this answer, per thread; reading marks both read.
    unread: dict[str, int]


def _message(m: portal.ShownMessage) -> MessageOut:
    return MessageOut(
        id=m.id, at=m.at, who=m.who, body=m.body, mine=m.mine, attachments=files_out(m.files)
    )


def _embargo(e: portal.PortalEmbargo) -> EmbargoOut:
    return EmbargoOut(
        state=e.state,
        end_in_zone=e.in_zone,
        end_in_my_zone=e.in_my_zone,
        my_zone=e.my_zone,
        proposed=e.proposed,
        my_answer=e.my_answer,
    )


def _statement(s: StatusStatement) -> MyStatementOut:
    return MyStatementOut(
        id=s.id,
        product=s.product,
        status=s.status.value,
        statement=s.statement,
        justification=s.justification.value if s.justification else None,
        fixed_versions=list(s.fixed_versions),
        recorded_at=s.recorded_at,
        approved=s.approved,
    )


def _case(v: portal.PortalView) -> CaseOut:
    s = v.view
    return CaseOut(
        case=s.case,
        participant=s.participant,
        party=v.party,
        title=s.title,
        fields=dict(s.fields),
        withheld=list(s.withheld),
        statuses=[StatusOut(party=a, product=b, status=c) for a, b, c in s.statuses],
        embargo=_embargo(v.embargo),
        products=list(v.products),
        my_statements=[_statement(x) for x in v.mine],
        shared_with=v.shared_with,
        unread={"shared": v.unread_shared, "private": v.unread_private},
    )


@router.get(SHARED, response_model=MyCaseList)
def my_cases(who: CurrentPrincipal, d: CurrentDeps) -> MyCaseList:
    """The cases the caller's participant account takes part in (audited)."""
    return MyCaseList(
        cases=[
            MyCaseOut(case=c.case, title=c.title, participant=c.participant, party=c.party)
            for c in portal.my_cases(d, who)
        ]
    )


@router.get(SHARED + "/{key}", response_model=CaseOut)
def get_case(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> CaseOut:
    """The shared view, statuses, the embargo in its zone and yours (audited)."""
    return _case(portal.case_view(d, who, key, "api"))


@router.get(SHARED + "/{key}/threads/{thread}/messages", response_model=MessageList)
def read_thread(
    key: CaseKeyPath, thread: ThreadName, who: CurrentPrincipal, d: CurrentDeps
) -> MessageList:
    """The shared thread, or your private thread with the case team (audited)."""
    v = portal.case_view(d, who, key, "api:thread:" + thread)
    found = v.shared if thread == portal.SHARED else v.private
    return MessageList(messages=[_message(m) for m in found])


class MessageIn(BaseModel):
    body: str = Field(max_length=50_000)
    attachments: list[FileIn] = Field(default=[], max_length=MAX_ATTACHMENTS)


@router.post(
    SHARED + "/{key}/threads/{thread}/messages", response_model=MessageOut, status_code=201
)
def post_message(
    key: CaseKeyPath,
    thread: ThreadName,
    body: MessageIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Shared: told to every other participant (guard and ledger). Private: to the case team."""

    def run(j: Deps) -> MessageOut:
        return _message(portal.post(j, who, key, thread, body.body, decoded(body.attachments)))

    return idempotent(request, who, idem, body, run)


@router.get(SHARED + "/{key}/threads/{thread}/messages/{message}/attachments/{sha256}")
def get_attachment(
    key: CaseKeyPath,
    thread: ThreadName,
    message: Annotated[int, Path(ge=1)],
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")],
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> Response:
    """A file of a message in the shared thread or your private one (the download is
    audited); 404 alike for missing and forbidden."""
    return file_response(portal.file(d, who, key, thread, message, sha256))


class StatementIn(BaseModel):
    product: str = Field(max_length=400)
    status: str = Field(max_length=32)
    statement: str = Field(max_length=20_000)
    justification: str | None = Field(default=None, max_length=64)
    fixed_versions: list[str] = Field(default_factory=list, max_length=100)


@router.post(SHARED + "/{key}/statuses", response_model=MyStatementOut, status_code=201)
def state(
    key: CaseKeyPath,
    body: StatementIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Your status of one of the case's products; shared once the case team approves it."""

    def run(j: Deps) -> MyStatementOut:
        return _statement(
            portal.state(
                j,
                who,
                key,
                body.product,
                body.status,
                body.statement,
                body.justification,
                body.fixed_versions,
            )
        )

    return idempotent(request, who, idem, body, run)


class EmbargoAnswerIn(BaseModel):
    kind: Literal["accept", "decline"]
    reason: str = Field(max_length=4000)


@router.post(SHARED + "/{key}/embargo/events", response_model=EmbargoOut, status_code=201)
def answer_embargo(
    key: CaseKeyPath,
    body: EmbargoAnswerIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Accept or decline the embargo, with your reason."""

    def run(j: Deps) -> EmbargoOut:
        return _embargo(portal.answer_embargo(j, who, key, body.kind == "accept", body.reason))

    return idempotent(request, who, idem, body, run)


@router.get(SHARED + "/{key}/export", response_class=PlainTextResponse)
def export(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> PlainTextResponse:
    """The shared view as a text document (the download is audited)."""
    document, name = portal.export(d, who, key)
    return PlainTextResponse(
        document, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )

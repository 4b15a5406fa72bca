"""Case thread routes: the reporter's thread of a case (the read audited) and the team's
replies, which reach the reporter by mail when they gave an address."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.services.context import Deps
from vulndesk.services.intake import thread as case_intake

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]


class MessageOut(BaseModel):
    author: str
    body: str
    at: dt.datetime


class AttachmentOut(BaseModel):
    name: str
    media_type: str
    size: int
    sha256: str


class ThreadOut(BaseModel):
    """The thread; `tracking` is null and the lists empty for a case not from a report."""

    tracking: str | None
    messages: list[MessageOut]
    attachments: list[AttachmentOut]


class ReplyIn(BaseModel):
    body: str = Field(max_length=20_000)


def _thread_out(d: Deps, who: CurrentPrincipal, key: str) -> ThreadOut:
    found = case_intake.thread(d, who, key)
    if found is None:
        return ThreadOut(tracking=None, messages=[], attachments=[])
    return ThreadOut(
        tracking=found.tracking,
        messages=[MessageOut.model_validate(m, from_attributes=True) for m in found.messages],
        attachments=[
            AttachmentOut.model_validate(a, from_attributes=True) for a in found.attachments
        ],
    )


@router.get("/cases/{key}/thread", response_model=ThreadOut)
def get_thread(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> ThreadOut:
    """The reporter's thread of the case: messages both ways and attachments (read audited)."""
    return _thread_out(d, who, key)


@router.post("/cases/{key}/thread", response_model=ThreadOut, status_code=201)
def post_reply(
    key: CaseKeyPath, body: ReplyIn, request: Request, who: CurrentPrincipal, idem: IdempotencyKey
) -> JSONResponse:
    """Reply to the reporter; mailed to them when they gave an address. Returns the thread."""

    def run(j: Deps) -> ThreadOut:
        case_intake.reply(j, who, key, body.body)
        return _thread_out(j, who, key)

    return idempotent(request, who, idem, body, run)

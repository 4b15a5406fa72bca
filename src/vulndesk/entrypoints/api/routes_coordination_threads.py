"""Coordination routes of the threads (/api/v1/cases/{key}/coordination/threads...): the
shared thread and each participant's, their messages and files. The file helpers are shared
with the participant portal's routes."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.threads import MessageFile, ThreadMessage
from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_coordination import (
    BASE,
    CaseKeyPath,
    FileIn,
    FileOut,
    MessageIn,
    MessageList,
    MessageOut,
    ThreadList,
    ThreadOut,
    ThreadPath,
)
from vulndesk.services.context import Deps
from vulndesk.services.coordination import (
    threads,
)
from vulndesk.services.notify import coord_mail

router = APIRouter(prefix="/api/v1", tags=["coordination"], responses=ERROR_RESPONSES)


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

"""Use cases: the case's shared thread (every participant) and each participant's private
thread with the case team. Posting is telling: each recipient passes the disclosure guard and
the ledger records the message; reading is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.errors import GuardFailed, InvalidInput, NotFound
from vulndesk.domain.threads import MessageFile, ThreadMessage
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, CASE_WRITERS, Principal
from vulndesk.services.context import Acts, Deps
from vulndesk.services.coordination import sharing
from vulndesk.services.disclosure import guard
from vulndesk.services.intake.ports import Upload
from vulndesk.services.intake.public import MAX_ATTACHMENTS, check_upload
from vulndesk.services.notify import coord_mail
from vulndesk.services.ports import UnitOfWork

SHARED = "shared"


def parse_thread(text: str | int | None) -> int | None:
    """`shared` (or nothing) is the shared thread; a number names a participant's thread."""
    if text is None or str(text).strip().lower() in ("", SHARED):
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        raise InvalidInput(
            "thread", f"{text!r} is not a thread", "shared or a participant id"
        ) from None


def check_files(files: Sequence[tuple[str, bytes]]) -> tuple[Upload, ...]:
    """Files for a message, checked as intake attachments are: count, size, sniffed type."""
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput("attachments", f"{len(files)} files", f"at most {MAX_ATTACHMENTS}")
    return tuple(check_upload(i, name, content) for i, (name, content) in enumerate(files))


def told(body: str, files: Sequence[MessageFile]) -> str:
    """What a recipient was told: the text and, after it, the name and SHA-256 of each file;
    the ledger keeps this, so it names every file that left."""
    if not files:
        return body
    lines = "\n".join(f"- {f.name} sha256:{f.sha256} ({f.size} bytes)" for f in files)
    return f"{body}\n\nAttachments:\n{lines}"


@dataclass(frozen=True, slots=True)
class Posted:
    message: ThreadMessage
    ledger: tuple[str, ...]


def post_in(
    deps: Deps,
    actor: Acts,
    uow: UnitOfWork,
    case: Case,
    thread: int | None,
    body: str,
    sender: int | None = None,
    files: Sequence[Upload] = (),
) -> Posted:
    """Post inside a transaction: every recipient must pass the guard, or nothing is posted.

    `sender` is the participant posting in the shared thread (decision 0045): every other
    participant is told; it is not told its own message."""
    now = deps.clock.now()
    recipients = (
        [p for p in uow.coordination.participants(case.key) if p.id != sender]
        if thread is None
        else [sharing.participant_of(uow, case.key, thread)]
    )
    refused = []
    for p in recipients:
        verdict = guard.check(uow, sharing.outgoing(uow, case, p, frozenset()))
        if not verdict.allowed:
            refused.append(f"participant {p.id} ({p.party}): {verdict.reason}")
    if refused:
        raise GuardFailed("coordination", "; ".join(refused))
    message = uow.coordination.add_message(case.key, thread, actor.name, now, body, files)
    content = told(body, message.files)
    refs = tuple(sharing.tell(deps, actor, uow, case, p, content).ref for p in recipients)
    coord_mail.queue_message(
        uow, case.key, thread, actor.name, message.id, now, from_participant=sender, text=body
    )
    uow.audit.append(
        actor.event(
            now,
            AuditTag.CASE_COORD_MESSAGE_POSTED,
            "case",
            case.key,
            (),
            thread=SHARED if thread is None else str(thread),
            message=str(message.id),
            sha256=message.sha256,
            attachments=",".join(f.sha256 for f in message.files),
        )
    )
    return Posted(message, refs)


def post(
    deps: Deps,
    principal: Principal,
    case: str,
    thread: str | int | None,
    body: str,
    files: Sequence[tuple[str, bytes]] = (),
) -> Posted:
    """Post a message, with up to `MAX_ATTACHMENTS` files (name, content) checked as intake
    attachments are; the files are content of the message, judged and recorded with it."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    which = parse_thread(thread)
    text = values.long_text("body", body, max_len=50_000)
    if not text.strip():
        raise InvalidInput("body", "is empty", "a message")
    uploads = check_files(files)
    with deps.uow() as uow:
        posted = post_in(deps, principal, uow, uow.cases.get(key), which, text, files=uploads)
        uow.commit()
    return posted


def mark_read(
    uow: UnitOfWork, account: str, case: str, thread: int | None, shown: list[ThreadMessage]
) -> None:
    """`account` has now seen the thread up to the newest of `shown` (its unread marker)."""
    if shown:
        newest = shown[-1]
        uow.coordination.mark_read(account, case, thread, newest.id, newest.at)


@dataclass(frozen=True, slots=True)
class ThreadState:
    """A thread of a case as one account sees it: size, last message, unread for them."""

    thread: int | None
    count: int
    last_at: dt.datetime | None
    unread: int

    @property
    def name(self) -> str:
        return SHARED if self.thread is None else str(self.thread)


def states(uow: UnitOfWork, account: str, case: str) -> list[ThreadState]:
    """The shared thread and every participant's private thread, with `account`'s unread."""
    sizes = {s.participant: s for s in uow.coordination.thread_summaries(case)}
    unread = uow.coordination.unread(account, case)
    ids = [None, *(p.id for p in uow.coordination.participants(case))]
    return [
        ThreadState(
            t,
            sizes[t].count if t in sizes else 0,
            sizes[t].last_at if t in sizes else None,
            unread.get(t, 0),
        )
        for t in ids
    ]


def thread_states(deps: Deps, principal: Principal, case: str) -> list[ThreadState]:
    """The case's threads with the principal's unread counts (sizes only: not audited)."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    with deps.reader() as uow:
        return states(uow, principal.name, key)


def read(
    deps: Deps, principal: Principal, case: str, thread: str | int | None, limit: int = 200
) -> list[ThreadMessage]:
    """The newest `limit` messages of a thread, oldest first; the read is audited and marks
    the thread read for the principal."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    which = parse_thread(thread)
    if not 1 <= limit <= 5000:
        raise InvalidInput("limit", f"{limit}", "1-5000")
    now = deps.clock.now()
    with deps.uow() as uow:
        if which is not None:
            sharing.participant_of(uow, key, which)
        found = uow.coordination.messages(key, which, limit)
        mark_read(uow, principal.name, key, which, found)
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_MESSAGES_READ,
                "case",
                key,
                (),
                thread=SHARED if which is None else str(which),
                count=str(len(found)),
            )
        )
        uow.commit()
    return found


def file(
    deps: Deps, principal: Principal, case: str, thread: str | int | None, message: int, sha256: str
) -> tuple[MessageFile, bytes]:
    """A file of a message in a thread of a case the principal sees; the download is audited.
    Another thread's, another case's or a missing file: the same NotFound."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    try:
        which = parse_thread(thread)
    except InvalidInput:
        raise NotFound("attachment", sha256[:64]) from None
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.coordination.message_file(key, which, message, sha256)
        if found is None:
            raise NotFound("attachment", sha256[:64])
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_ATTACHMENT_READ,
                "case",
                key,
                (),
                thread=SHARED if which is None else str(which),
                message=str(message),
                attachment=found[0].sha256,
            )
        )
        uow.commit()
    return found

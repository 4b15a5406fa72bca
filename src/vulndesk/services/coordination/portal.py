"""Use cases of the participant portal (decision 0045): an outside participant, signed in with
its own account, sees only its cases' shared views (redacted by its disclosure policy), the
shared thread and its own private thread; it posts, states a product's status, accepts or
declines the embargo and exports the shared view. Every read and every act is audited.

Any principal not bound to the case (a participant of another case, an internal account, a
missing case) gets the same NotFound as a missing case. What a participant sees is built in
`portal_view`; this module holds the acts and re-exports the reads, the portal's one entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag, embargo_tag
from vulndesk.domain.coordination import (
    Binding,
    ProductStatus,
    StatusStatement,
    VexJustification,
    check_statement,
)
from vulndesk.domain.embargo import EmbargoEventKind, fold, new_event
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ids import parse_case_key
from vulndesk.domain.threads import MessageFile, ThreadMessage
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps
from vulndesk.services.coordination import statuses as statuses_service
from vulndesk.services.coordination import threads
from vulndesk.services.coordination.invitations import bound
from vulndesk.services.coordination.portal_view import (
    CASE_TEAM,
    PRIVATE,
    SHARED,
    THREADS,
    MyCase,
    PortalEmbargo,
    PortalView,
    ShownMessage,
    case_view,
    embargo_of,
    enter,
    export,
    is_participant,
    my_cases,
    require_participant,
    shared_with,
)
from vulndesk.services.intake.ports import Upload
from vulndesk.services.notify import coord_mail
from vulndesk.services.ports import UnitOfWork

# The reads, re-exported: the web, API, demo and tests reach the whole portal here.
__all__ = [
    "CASE_TEAM",
    "PRIVATE",
    "SHARED",
    "MyCase",
    "PortalEmbargo",
    "PortalView",
    "ShownMessage",
    "answer_embargo",
    "case_view",
    "export",
    "file",
    "is_participant",
    "my_cases",
    "post",
    "shared_with",
    "state",
]


def _post_private(
    uow: UnitOfWork,
    principal: Principal,
    b: Binding,
    now: dt.datetime,
    text: str,
    uploads: Sequence[Upload],
) -> ThreadMessage:
    """A message to the participant's private thread: stored, audited, mailed to the case team
    (nothing leaves to another participant, so no guard and no ledger)."""
    posted = uow.coordination.add_message(b.case, b.participant, principal.name, now, text, uploads)
    uow.audit.append(
        principal.event(
            now,
            AuditTag.CASE_COORD_MESSAGE_POSTED,
            "case",
            b.case,
            (),
            thread=str(b.participant),
            message=str(posted.id),
            sha256=posted.sha256,
            attachments=",".join(f.sha256 for f in posted.files),
        )
    )
    coord_mail.queue_message(
        uow,
        b.case,
        b.participant,
        principal.name,
        posted.id,
        now,
        from_participant=b.participant,
        text=text,
    )
    return posted


def post(
    deps: Deps,
    principal: Principal,
    case: str,
    thread: str,
    body: str,
    files: Sequence[tuple[str, bytes]] = (),
) -> ShownMessage:
    """Post to the shared thread (told to every other participant through the guard and the
    ledger) or to the private thread (to the case team only: nothing leaves); with up to
    five files checked as intake attachments are."""
    enter(principal, "write")
    which = thread.strip().lower()
    text = values.long_text("body", body, max_len=50_000)
    uploads = threads.check_files(files)
    now = deps.clock.now()
    with deps.uow() as uow:
        b = bound(uow, principal, parse_case_key(case))
        require_participant(principal, "write")
        if which not in THREADS:
            raise InvalidInput("thread", f"{thread!r} is not a thread", "shared or private")
        if not text.strip():
            raise InvalidInput("body", "is empty", "a message")
        found = uow.cases.get(parse_case_key(b.case))
        if which == SHARED:
            posted = threads.post_in(
                deps, principal, uow, found, None, text, sender=b.participant, files=uploads
            ).message
        else:
            posted = _post_private(uow, principal, b, now, text, uploads)
        party = uow.parties.get(uow.coordination.participant(b.case, b.participant).party)
        uow.commit()
    return ShownMessage(posted.id, posted.at, party.name, posted.body, True, posted.files)


def file(
    deps: Deps, principal: Principal, case: str, thread: str, message: int, sha256: str
) -> tuple[MessageFile, bytes]:
    """A file of a message in the shared thread or the participant's own private thread; the
    download is audited. Any other thread, case or file: the missing file's NotFound."""
    enter(principal)
    which = thread.strip().lower()
    now = deps.clock.now()
    with deps.uow() as uow:
        b = bound(uow, principal, parse_case_key(case))
        require_participant(principal)
        if which not in THREADS:
            raise NotFound("attachment", sha256[:64])
        participant = None if which == SHARED else b.participant
        found = uow.coordination.message_file(b.case, participant, message, sha256)
        if found is None:
            raise NotFound("attachment", sha256[:64])
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_ATTACHMENT_READ,
                "case",
                b.case,
                (),
                thread=SHARED if participant is None else str(participant),
                message=str(message),
                attachment=found[0].sha256,
            )
        )
        uow.commit()
    return found


def state(
    deps: Deps,
    principal: Principal,
    case: str,
    product: str,
    status: str,
    statement: str,
    justification: str | None = None,
    fixed_versions: Sequence[str] = (),
) -> StatusStatement:
    """The participant's own statement of one of the case's products; it waits for the case
    team's approval (a case writer approves it, as any statement) before it is shared."""
    enter(principal, "write")
    now = deps.clock.now()
    with deps.uow() as uow:
        b = bound(uow, principal, parse_case_key(case))
        require_participant(principal, "write")
        products = statuses_service.case_products(uow, b.case)
        name = product.strip()
        if name not in products:
            raise InvalidInput(
                "product", f"{name[:200]!r} is not a product of {b.case}", ", ".join(products)
            )
        chosen = ProductStatus.parse("status", status)
        if chosen is ProductStatus.NO_ANSWER:
            raise InvalidInput("status", "no_answer is never stated", "another status")
        why = VexJustification.parse("justification", justification) if justification else None
        said = values.long_text("statement", statement, max_len=20_000)
        versions = check_statement(chosen, why, fixed_versions, said)
        saved = uow.coordination.add_statement(
            b.case, b.participant, name, chosen, why, versions, said.strip(), now, principal.name
        )
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_STATUS_RECORDED,
                "case",
                b.case,
                (),
                statement=str(saved.id),
                participant=str(b.participant),
                status=chosen.value,
            )
        )
        uow.commit()
    return saved


def answer_embargo(
    deps: Deps, principal: Principal, case: str, accept: bool, reason: str
) -> PortalEmbargo:
    """Accept or decline the embargo: an event naming the participant, with its reason."""
    enter(principal, "write")
    now = deps.clock.now()
    kind = EmbargoEventKind.ACCEPTED if accept else EmbargoEventKind.DECLINED
    with deps.uow() as uow:
        b = bound(uow, principal, parse_case_key(case))
        require_participant(principal, "write")
        before = fold(uow.coordination.embargo_events(b.case))
        event, after = new_event(
            before,
            kind,
            now,
            principal.name,
            values.long_text("reason", reason, max_len=4000),
            participant=b.participant,
        )
        uow.coordination.add_embargo_event(b.case, event)
        uow.audit.append(
            principal.event(
                now,
                embargo_tag(kind.value),
                "case",
                b.case,
                (),
                state=after.state.value,
                participant=str(b.participant),
            )
        )
        user = uow.accounts.get_user(principal.name)
        shown = embargo_of(uow, b.case, b.participant, user.timezone or "UTC")
        uow.commit()
    return shown

"""The reporter's side of a case for the team: the intake thread, attachments (reads audited)
and the team's replies; each checks the principal and that it may see the case."""

from __future__ import annotations

from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, CASE_WRITERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.intake import public
from vulndesk.services.intake.ports import IntakeMessage, StoredAttachment


@dataclass(frozen=True, slots=True)
class Thread:
    """What a reporter sent with a case: messages both ways and the files attached."""

    tracking: str
    messages: list[IntakeMessage]
    attachments: list[StoredAttachment]


def thread(deps: Deps, principal: Principal, key: str) -> Thread | None:
    """The intake thread of a case (None if it did not come from intake); the read is audited."""
    key = access.check_case(deps, principal, key)
    principal.require(CASE_READERS)
    actor = principal
    now = deps.clock.now()
    with deps.uow() as uow:
        tracking = uow.cases.get(key).intake_id
        if tracking is None:
            return None
        found = Thread(tracking, uow.intake.messages(tracking), uow.intake.attachments(tracking))
        uow.audit.append(
            actor.event(now, AuditTag.CASE_MESSAGES_READ, "case", key, (), intake=tracking)
        )
        uow.commit()
    return found


def attachment(
    deps: Deps, principal: Principal, key: str, sha256: str
) -> tuple[StoredAttachment, bytes]:
    """One attachment of the case's report, with its content; the download is audited."""
    key = access.check_case(deps, principal, key)
    principal.require(CASE_READERS)
    actor = principal
    now = deps.clock.now()
    with deps.uow() as uow:
        tracking = uow.cases.get(key).intake_id
        stored = list(uow.intake.attachments(tracking)) if tracking else []
        match = next((a for a in stored if a.sha256 == sha256), None)
        if tracking is None or match is None:
            raise NotFound("attachment", sha256[:64])
        content = uow.intake.attachment_content(tracking, sha256)
        # The attachment by its id (the digest it is fetched by), never its file name.
        uow.audit.append(
            actor.event(
                now, AuditTag.CASE_ATTACHMENT_READ, "case", key, (), attachment=match.sha256
            )
        )
        uow.commit()
    return match, content


def reply(deps: Deps, principal: Principal, key: str, body: str) -> None:
    """The team writes to the reporter of a case that came from a public report."""
    key = access.check_case(deps, principal, key)
    principal.require(CASE_WRITERS, "write")
    with deps.uow() as uow:
        tracking = uow.cases.get(key).intake_id
    if tracking is None:
        raise InvalidInput("body", "this case did not come from a public report", "")
    if not body.strip():
        raise InvalidInput("body", "is empty", "a message")
    public.reply(deps, principal, tracking, body)

"""The reporter's side of a case for the team: the intake thread and attachments (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import CaseKey
from vulndesk.services.context import Acts, Deps
from vulndesk.services.intake.ports import IntakeMessage, StoredAttachment


@dataclass(frozen=True, slots=True)
class Thread:
    """What a reporter sent with a case: messages both ways and the files attached."""

    tracking: str
    messages: list[IntakeMessage]
    attachments: list[StoredAttachment]


def thread(deps: Deps, actor: Acts, key: CaseKey) -> Thread | None:
    """The intake thread of a case (None if it did not come from intake); the read is audited."""
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
    deps: Deps, actor: Acts, key: CaseKey, sha256: str
) -> tuple[StoredAttachment, bytes]:
    """One attachment of the case's report, with its content; the download is audited."""
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

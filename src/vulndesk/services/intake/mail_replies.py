"""Staff replies to a report go to the reporter by mail through the outbox, OpenPGP-encrypted
when the reporter's key is known or attached; each delivery is recorded with its recipient."""

from __future__ import annotations

import datetime as dt

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.ids import CaseKey
from vulndesk.services.background.ports import OutboxMessage
from vulndesk.services.context import Acts
from vulndesk.services.intake.mail_ports import MailCrypto
from vulndesk.services.intake.ports import Mailing
from vulndesk.services.notify.ports import NoticeSender, OutgoingMail
from vulndesk.services.ports import UnitOfWork

REPLY = "intake-reply"


def reply_address(uow: UnitOfWork, tracking: str) -> str:
    """The reporter's e-mail address (the sender of a mailed report, or the contact a form
    gave when it is an address), or "" when there is none."""
    record = uow.intake.get(tracking)
    found = uow.cases.get(CaseKey(record.case_key)).details.get("reporter_identity", "")
    address = found.strip()
    local, at, domain = address.rpartition("@")
    plain = at and local and "." in domain and not any(c.isspace() for c in address)
    return address if plain and len(address) <= 254 else ""


def reporter_keys(uow: UnitOfWork, tracking: str) -> list[str]:
    """OpenPGP public keys the reporter attached to the report (small text attachments)."""
    keys = []
    for att in uow.intake.attachments(tracking):
        if att.media_type == "text/plain" and att.size < 64_000:
            text = uow.intake.attachment_content(tracking, att.sha256).decode("utf-8", "replace")
            if "BEGIN PGP PUBLIC KEY BLOCK" in text:
                keys.append(text)
    return keys


def queue(uow: UnitOfWork, tracking: str, now: dt.datetime) -> bool:
    """In the reply's transaction: queue its newest team message for mailing, once, when the
    reporter has an address. The payload names the message; its text stays in the thread."""
    if not reply_address(uow, tracking):
        return False
    index = len(uow.intake.messages(tracking)) - 1
    language = uow.intake.get(tracking).language
    payload = {"tracking": tracking, "message": index, "language": language}
    uow.outbox.enqueue(REPLY, f"{REPLY}/{tracking}/{index}", payload, now)
    return True


def reply_text(tracking: str, language: str, body: str) -> str:
    if language == "zh-CN":
        head = f"安全团队就您的漏洞报告 {tracking} 回复如下：\n\n"
        tail = f"\n\n回复本邮件（主题中保留 {tracking}）即可继续补充。\n"
    else:
        head = f"The security team replies on your vulnerability report {tracking}:\n\n"
        tail = f"\n\nReply to this mail (keep {tracking} in the subject) to add to it.\n"
    return head + body + tail


def deliver_reply(
    sender: NoticeSender,
    crypto: MailCrypto | None,
    uow: UnitOfWork,
    msg: OutboxMessage,
    now: dt.datetime,
    actor: Acts,
) -> str | None:
    """Mail one team message to the reporter and record the delivery (recipient sealed)."""
    tracking, index = str(msg.payload["tracking"]), int(msg.payload["message"])
    language = str(msg.payload.get("language", "en"))
    to = reply_address(uow, tracking)
    messages = uow.intake.messages(tracking)
    if not to:
        return "the report has no reply address"
    if not 0 <= index < len(messages) or messages[index].author != "team":
        return f"message {index} of {tracking} is not a team reply"
    text = reply_text(tracking, language, messages[index].body)
    sealed = crypto.encrypt(text, to, reporter_keys(uow, tracking)) if crypto is not None else None
    message_id = sender.mail(
        OutgoingMail(to, tracking, REPLY, language, sealed or text, "", msg.dedupe_key)
    )
    uow.intake.add_mailing(Mailing(tracking, index, to, sealed is not None, message_id, now))
    uow.audit.append(
        actor.event(
            now,
            AuditTag.INTAKE_REPLY_MAILED,
            "intake",
            tracking,
            message=str(index),
            encrypted="yes" if sealed else "no",
        )
    )
    return None

"""E-mail intake: each new message becomes a public report by the one write path, or a
follow-up in its report's thread; the reporter is acknowledged through the outbox.

A message's Message-ID is its idempotency key (`intake_receive.Submission`), so a worker that
stops after the commit and before the message is moved replays the first answer on the next
round: no report is lost (the message stays in the folder until then) and none is doubled.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey
from vulndesk.services.accounts.signin import Throttled
from vulndesk.services.background.ports import OutboxMessage
from vulndesk.services.context import Actor, Acts, Deps
from vulndesk.services.intake import mail_replies
from vulndesk.services.intake import receive as intake_receive
from vulndesk.services.intake.mail_ports import InboundMail, Mailbox, MailCrypto
from vulndesk.services.intake.ports import StoredResponse
from vulndesk.services.intake.public import LIMITS, FollowUpLimits, IntakeRequest, _count_message
from vulndesk.services.intake.receipts import Rate
from vulndesk.services.notify import need_mail
from vulndesk.services.notify.ports import NoticeSender, OutgoingMail
from vulndesk.services.ports import UnitOfWork

ACK = "intake-ack"
SCOPE = "intake:email"
BATCH = 50  # messages per mailbox round; a full round makes the worker go on without a pause
TRACKING = re.compile(r"R-[0-9A-F]{12}")
_PRODUCT = re.compile(r"^\s*product\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
Parse = Callable[[bytes], InboundMail]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message: `report`, `follow-up`, `refused` (moved) or `deferred`
    (over the rate: left in the folder for a later round)."""

    uid: str
    kind: str
    tracking: str = ""
    reason: str = ""


def _thread(uow: UnitOfWork, mail: InboundMail) -> str | None:
    """The report this mail follows up: a tracking id in the subject or a reply header whose
    report came from the same address."""
    for found in TRACKING.findall(" ".join((mail.subject, *mail.references))):
        try:
            record = uow.intake.get(found)
        except NotFound:
            continue
        case = uow.cases.get(CaseKey(record.case_key))
        if case.details.get("reporter_identity", "").strip().lower() == mail.sender:
            return str(found)
    return None


def _follow_up(deps: Deps, mail: InboundMail, limits: FollowUpLimits) -> str | None:
    """Add the mail to its report's thread once (keyed by its Message-ID); None if no thread."""
    now = deps.clock.now()
    with deps.uow() as uow:
        tracking = _thread(uow, mail)
        if tracking is None:
            return None
        stored = uow.idempotency.get(SCOPE, mail.key)
        if stored is not None:
            return tracking
        refused = _count_message(uow, tracking, mail.sender, limits, now)
        if refused is not None:
            uow.commit()  # the refused attempt still counts
            raise refused.error()
        uow.intake.add_message(tracking, "reporter", mail.body or "(no text)", now)
        for upload in mail.attachments:
            uow.intake.add_attachment(tracking, upload, now)
        uow.idempotency.put(SCOPE, mail.key, StoredResponse(mail.digest, 200, tracking), now)
        uow.audit.append(
            Actor("reporter", "email").event(
                now, AuditTag.INTAKE_MESSAGE_POSTED, "intake", tracking, channel="email"
            )
        )
        need_mail.queue_message(uow, tracking, now)
        uow.commit()
    return tracking


def request_of(mail: InboundMail) -> IntakeRequest:
    """The report a mail makes: its text, a `Product:` line if it has one, its sender."""
    product = _PRODUCT.search(mail.body)
    return IntakeRequest(
        product=product.group(1).strip()[:200] if product else "unspecified (e-mail)",
        description=mail.body,
        contact=mail.sender,
        language=mail.language,
        channel="email",
        source_address=mail.sender,
        attachments=mail.attachments,
    )


def receive_mail(
    deps: Deps,
    mail: InboundMail,
    rate: Rate,
    *,
    unit: str | None = None,
    limits: FollowUpLimits = LIMITS,
) -> Outcome:
    """A follow-up in its thread, or a new report through `intake_receive.receive` with its
    acknowledgement queued. Throttled (over a rate) and InvalidInput propagate."""
    tracking = _follow_up(deps, mail, limits)
    if tracking is not None:
        return Outcome("", "follow-up", tracking)
    sent = intake_receive.Submission(SCOPE, mail.key, mail.digest, mail.sender)

    def acknowledge(uow: UnitOfWork, body: dict[str, Any]) -> None:
        """The acknowledgement, queued once per report: its dedupe key holds on a replay."""
        tracking = str(body["tracking"])
        payload = {"tracking": tracking, "language": mail.language}
        uow.outbox.enqueue(ACK, f"{ACK}/{tracking}", payload, deps.clock.now())

    # A new report and its acknowledgement commit together; a replay (the message read again
    # after a stop before its move) queues it again in case an older round stored the report
    # alone, and the dedupe key keeps it to one.
    got = intake_receive.receive(deps, request_of(mail), sent, rate, unit=unit, then=acknowledge)
    if got.replayed:
        with deps.uow() as uow:
            acknowledge(uow, got.body)
            uow.commit()
    return Outcome("", "report", str(got.body["tracking"]))


def poll(
    deps: Deps,
    mailbox: Mailbox,
    parse: Parse,
    rate: Rate,
    *,
    unit: str | None = None,
    limits: FollowUpLimits = LIMITS,
    batch: int = BATCH,
    committed: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Handle the folder's messages; each is moved only after its outcome is committed.

    A sender over the rate is deferred for the rest of the round (the message stays).
    `committed` runs between the commit and the move (tests use it to stop there).
    """
    out: list[Outcome] = []
    deferred: set[str] = set()
    for uid, raw in mailbox.pending(batch):
        try:
            mail = parse(raw)
            if mail.sender in deferred:
                out.append(Outcome(uid, "deferred", reason="over the rate"))
                continue
            got = receive_mail(deps, mail, rate, unit=unit, limits=limits)
            done = Outcome(uid, got.kind, got.tracking)
        except Throttled as exc:
            deferred.add(mail.sender)
            out.append(Outcome(uid, "deferred", reason=str(exc)))
            continue
        except InvalidInput as exc:
            done = Outcome(uid, "refused", reason=f"{exc.field}: {exc.problem}")
        if committed is not None:
            committed(done)
        mailbox.done(uid)
        out.append(done)
    return out


def ack_text(tracking: str, language: str) -> str:
    if language == "zh-CN":
        return (
            f"我们已收到您的漏洞报告，跟踪编号 {tracking}。\n"
            f"回复本邮件（主题中保留 {tracking}）即可补充信息。\n"
        )
    return (
        f"We have received your vulnerability report. Its tracking id is {tracking}.\n"
        f"Reply to this mail (keep {tracking} in the subject) to add to it.\n"
    )


def deliver_ack(
    sender: NoticeSender,
    crypto: MailCrypto | None,
    uow: UnitOfWork,
    msg: OutboxMessage,
    now: dt.datetime,
    actor: Acts,
) -> str | None:
    """Send the acknowledgement, encrypted to the reporter's key when one is attached to the
    report or in the keyring; audited with whether it was encrypted."""
    tracking = str(msg.payload["tracking"])
    language = str(msg.payload.get("language", "en"))
    record = uow.intake.get(tracking)
    to = uow.cases.get(CaseKey(record.case_key)).details.get("reporter_identity", "")
    if "@" not in to:
        return "the report has no reply address"
    keys = mail_replies.reporter_keys(uow, tracking)
    text = ack_text(tracking, language)
    sealed = crypto.encrypt(text, to, keys) if crypto is not None else None
    body = sealed or text
    sender.mail(OutgoingMail(to, tracking, ACK, language, body, "", msg.dedupe_key))
    uow.audit.append(
        actor.event(
            now,
            AuditTag.INTAKE_REPORT_ACKNOWLEDGED,
            "intake",
            tracking,
            encrypted="yes" if sealed else "no",
        )
    )
    return None

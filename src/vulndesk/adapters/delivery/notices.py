"""The NoticeSender port over SMTP and signed webhooks: regulator and user notices, headquarters
notices, escalations, approvals waiting and reporters' messages, coordination messages and embargo mail,
acknowledgements of mailed reports and staff replies, each with a fixed subject."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from hashlib import sha256
from typing import Any

from vulndesk.adapters.delivery.mail import (
    SmtpSettings,
    build_message,
    send_message,
    sender_header,
)
from vulndesk.domain.errors import InvalidInput
from vulndesk.exporters.reports.notices import NoticeKind
from vulndesk.services.coordination import invitations as coord_invitations
from vulndesk.services.intake import mail as intake_mail
from vulndesk.services.intake import mail_replies
from vulndesk.services.notify import coord_mail, escalations, need_mail
from vulndesk.services.notify import notices as notifications
from vulndesk.services.notify.ports import DeliveryFailed, DeliveryRefused, OutgoingMail

HQ_SUBJECT = "[vulndesk] headquarters notice"
# The fixed subject labels (English, Chinese) of mails in a report's thread.
_THREAD_LABELS = {
    intake_mail.ACK: ("Report received", "报告已收到"),
    mail_replies.REPLY: ("Reply from the security team", "安全团队的回复"),
}


@dataclass(frozen=True)
class NoticeDelivery:
    """The NoticeSender port over SMTP and signed webhooks, configured from settings."""

    smtp: SmtpSettings
    webhook_hosts: frozenset[str]
    webhook_secrets: Mapping[str, bytes]
    allow_loopback: bool = False

    def mail(self, message: OutgoingMail) -> str:
        m = message
        if m.kind in {intake_mail.ACK, mail_replies.REPLY}:
            return self._thread_mail(m)
        fixed = None
        if m.kind == notifications.HQ_NOTICE:
            fixed = HQ_SUBJECT
        elif m.kind == escalations.ESCALATION:
            fixed = escalations.subject(m.case)  # the case key and a fixed label
        elif m.kind in {need_mail.APPROVAL, need_mail.MESSAGE}:
            fixed = need_mail.subject(m.kind, m.case)  # the case key and a fixed label, too
        elif m.kind in coord_mail.KINDS:
            fixed = coord_mail.subject(m.kind, m.case)
        elif m.kind == coord_invitations.INVITATION:
            fixed = coord_invitations.subject(m.case)  # the case key and a fixed label
        kind = NoticeKind.USERS if fixed else NoticeKind(m.kind)
        try:
            msg = build_message(
                self.smtp, [m.to], m.case, kind, m.language, m.text, m.html,
                m.from_name, m.from_address,
            )  # fmt: skip
        except InvalidInput as exc:  # a malformed address stays malformed: never retried
            raise DeliveryRefused(str(exc)) from exc
        if fixed:
            msg.replace_header("Subject", fixed)
        # The same delivery always has the same Message-ID, so a resend can be recognised.
        domain = self.smtp.sender.rsplit("@", 1)[-1]
        msg.replace_header(
            "Message-ID", f"<{sha256(m.delivery.encode()).hexdigest()[:40]}.vulndesk@{domain}>"
        )
        # Keys have no spaces to fold at; a longer line keeps the header plain ASCII.
        msg.policy = msg.policy.clone(max_line_length=998)
        msg["X-Vulndesk-Delivery"] = m.delivery
        return send_message(self.smtp, msg)

    def _thread_mail(self, m: OutgoingMail) -> str:
        """A plain-text mail in a report's thread (the acknowledgement, a staff reply): the
        tracking id and a fixed label (no free text) in the subject, the tracking id in the
        Message-ID, so the reporter's answer finds its thread."""
        msg = EmailMessage()
        labels = _THREAD_LABELS[m.kind]
        msg["Subject"] = f"[{m.case}] {labels[1] if m.language == 'zh-CN' else labels[0]}"
        msg["From"], _ = sender_header(self.smtp)
        msg["To"] = m.to
        msg["Date"] = formatdate(usegmt=True)
        domain = self.smtp.sender.rsplit("@", 1)[-1]
        digest = sha256(m.delivery.encode()).hexdigest()[:24]
        msg["Message-ID"] = f"<{m.case}.{digest}.vulndesk@{domain}>"
        if m.kind == intake_mail.ACK:
            msg["Auto-Submitted"] = "auto-replied"
        msg["X-Vulndesk-Delivery"] = m.delivery
        msg.set_content(m.text, charset="utf-8")
        return send_message(self.smtp, msg)

    def webhook(self, party: str, url: str, body: Mapping[str, Any], now: dt.datetime) -> int:
        from vulndesk.adapters.delivery import (
            webhook,  # httpx is slow to import; only the worker needs it
        )

        policy = webhook.EgressPolicy(self.webhook_hosts, self.allow_loopback)
        webhook.admit(url, policy)  # a refused host is refused for good, whatever else is missing
        secret = self.webhook_secrets.get(party)
        if secret is None:  # configuration an operator can add: retried meanwhile
            raise DeliveryFailed(
                f"no webhook secret for party {party!r} (VULNDESK_WEBHOOK_SECRETS)"
            )
        delivery = {"X-Vulndesk-Delivery": str(body["delivery"])} if "delivery" in body else {}
        return webhook.send_notice(
            webhook.WebhookTarget(url, secret), body, now, policy, extra_headers=delivery
        )

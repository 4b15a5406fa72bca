"""SMTP delivery of notices: fixed subjects, plain-text and HTML bodies, nothing else in headers.

Errors (the delivery contract, decision 0021): a server's permanent (5xx) refusal of the sender,
a recipient or the message becomes `DeliveryRefused` (never retried); every other smtplib or
socket failure becomes `DeliveryFailed`, which the outbox retries with backoff.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from vulndesk.domain.errors import InvalidInput
from vulndesk.exporters.reports.notices import Notice, NoticeKind, subject
from vulndesk.services.notify.ports import DeliveryFailed, DeliveryRefused


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 15.0


def _address(field: str, value: str) -> str:
    text = value.strip()
    if not text or any(c in text for c in '\r\n,;<>"') or text.count("@") != 1:
        raise InvalidInput(field, f"{value!r} is not one mail address", "local@domain")
    return text


# Control characters, line separators and what could end a quoted name or open an address.
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029"<>\\@]+')


def display_name(value: str) -> str:
    """A From display name with nothing that could end the name or start another header."""
    return " ".join(_UNSAFE_NAME.sub(" ", value).split())[:100]


def sender_header(settings: SmtpSettings, name: str = "", address: str = "") -> tuple[str, str]:
    """`From` (the reporting entity, or the configured sender) and `Sender` when they differ."""
    relay = _address("sender", settings.sender)
    chosen = _address("from", address) if address else relay
    local, _, domain = chosen.partition("@")
    shown = str(Address(display_name=display_name(name), username=local, domain=domain))
    return shown, "" if chosen.lower() == relay.lower() else relay


def build_message(
    settings: SmtpSettings,
    to: Sequence[str],
    case_key: str,
    kind: NoticeKind,
    language: str,
    text: str,
    html: str,
    from_name: str = "",
    from_address: str = "",
) -> EmailMessage:
    """The subject is rebuilt from the case id and a fixed label: no case text reaches a header."""
    msg = EmailMessage()
    msg["Subject"] = subject(case_key, kind, language)
    msg["From"], relay = sender_header(settings, from_name, from_address)
    if relay:
        msg["Sender"] = relay  # the relay sends for the entity: SMTP's envelope sender is it
    msg["To"] = ", ".join(_address("to", a) for a in to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def send_message(settings: SmtpSettings, msg: EmailMessage) -> str:
    """Hand `msg` to the server; returns its Message-ID."""
    where = f"{settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        if _permanent(exc):
            raise DeliveryRefused(f"SMTP server {where} refused the message: {exc}") from exc
        raise DeliveryFailed(f"SMTP delivery to {where} failed: {exc}") from exc
    return str(msg["Message-ID"])


def _permanent(exc: BaseException) -> bool:
    """A 5xx answer about this message's sender, recipients or content: sending it again
    cannot help. Sign-in and connection failures are the relay's state and stay retryable."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


def send_notice(settings: SmtpSettings, to: Sequence[str], case_key: str, notice: Notice) -> str:
    """Send one notice (what an outbox handler calls); returns the Message-ID for the ledger."""
    if not to:
        raise InvalidInput("to", "no recipient", "at least one mail address")
    msg = build_message(
        settings, to, case_key, notice.kind, notice.language, notice.text, notice.html
    )
    return send_message(settings, msg)

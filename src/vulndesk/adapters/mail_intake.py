"""Parse a received mail into an `InboundMail`: sender, thread ids, text, attachments.

OpenPGP mail (PGP/MIME or an inline armoured body) is decrypted with the organisation's key
first; the plaintext exists only in memory and is stored like any report (encrypted at rest).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from email.message import EmailMessage
from email.utils import getaddresses

from vulndesk.domain.errors import InvalidInput
from vulndesk.services.intake.mail_ports import InboundMail, MailCrypto
from vulndesk.services.intake.ports import Upload
from vulndesk.services.intake.public import check_upload

_ARMOR = "-----BEGIN PGP MESSAGE-----"
_IDS = re.compile(r"<[^<>\s]+>")


def _message(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(msg, EmailMessage):
        raise InvalidInput("message", "is not a mail message", "an RFC 5322 message")
    return msg


def _decrypted(msg: EmailMessage, crypto: MailCrypto | None) -> tuple[EmailMessage, bool]:
    """The message's clear content and whether it was encrypted."""
    if msg.get_content_type() == "multipart/encrypted":
        parts = list(msg.iter_parts())
        data = parts[-1].get_payload(decode=True) if parts else None
        if crypto is None or not isinstance(data, bytes):
            raise InvalidInput("message", "is encrypted", "configure VULNDESK_INTAKE_KEY")
        return _message(crypto.decrypt(data)), True
    return msg, False


def _text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _walk(msg: EmailMessage, crypto: MailCrypto | None) -> tuple[str, list[Upload], bool]:
    texts: list[str] = []
    uploads: list[Upload] = []
    encrypted = False
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        kind = part.get_content_type()
        if name or kind not in {"text/plain", "text/html"}:
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and kind != "application/pgp-signature":
                uploads.append(check_upload(len(uploads), name or "attachment", data))
            continue
        if kind == "text/html" and texts:
            continue  # the plain alternative is already there
        text = _text(part)
        if _ARMOR in text and crypto is not None:
            text = crypto.decrypt(text.encode()).decode("utf-8", "replace")
            encrypted = True
        texts.append(text)
    return "\n\n".join(t.strip() for t in texts if t.strip()), uploads, encrypted


def parse(raw: bytes, crypto: MailCrypto | None) -> InboundMail:
    """The mail as a report; InvalidInput when it cannot be read (undecryptable, no sender)."""
    outer = _message(raw)
    senders = [a for _, a in getaddresses([str(outer.get("from", ""))]) if "@" in a]
    if not senders:
        raise InvalidInput("From", "has no address", "a reply address")
    digest = hashlib.sha256(raw).hexdigest()
    message_id = str(outer.get("message-id", "")).strip()[:300]
    inner, encrypted = _decrypted(outer, crypto)
    body, uploads, inline = _walk(inner, crypto)
    refs = _IDS.findall(f"{outer.get('in-reply-to', '')} {outer.get('references', '')}")
    language = str(outer.get("content-language", "en")).strip()
    return InboundMail(
        key=message_id or f"sha256:{digest}",
        digest=digest,
        sender=senders[0].strip().lower(),
        subject=" ".join(str(outer.get("subject", "")).split())[:300],
        body=body,
        references=tuple(refs),
        attachments=tuple(uploads),
        language="zh-CN" if language.lower().startswith("zh") else "en",
        encrypted=encrypted or inline,
    )

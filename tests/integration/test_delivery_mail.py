"""Notices through a real SMTP server (aiosmtpd on loopback): fixed subjects, both bodies."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.unit.reports.report_fixtures import context, make_case, party
from vulndesk.adapters.delivery.mail import SmtpSettings, send_notice
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.parties import PartyKind
from vulndesk.exporters.reports.notices import NoticeKind, build_notice
from vulndesk.services.notify.ports import DeliveryFailed

HOSTILE = "Overflow\r\nBcc: leak@evil.example\r\n<script>alert(1)</script> NIGHTJAR"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd's readiness probe cannot use port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_notice_arrives_with_fixed_subject_and_both_bodies(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    case = make_case(title=HOSTILE)
    notice = build_notice(context(case, party(PartyKind.CUSTOMER)), NoticeKind.USERS)
    settings = SmtpSettings("127.0.0.1", port, "psirt@acme.example")
    message_id = send_notice(settings, ["ops@customer.example"], case.key, notice)

    assert len(inbox.messages) == 1
    rcpts, msg = inbox.messages[0]
    assert rcpts == ["ops@customer.example"]  # the title's Bcc line reached no envelope
    assert msg["Subject"] == f"[vulndesk] {case.key} security notice"
    assert msg["Bcc"] is None
    assert msg["Message-ID"] == message_id
    raw_headers = "".join(f"{k}: {v}\n" for k, v in msg.items())
    assert "NIGHTJAR" not in raw_headers and "script" not in raw_headers
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    assert "NIGHTJAR" in plain.get_content()
    assert "<script>" not in html.get_content()  # the HTML body escapes the title


def test_refuses_header_injection_in_addresses(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    case = make_case()
    notice = build_notice(context(case, party(PartyKind.CUSTOMER)), NoticeKind.USERS)
    settings = SmtpSettings("127.0.0.1", port, "psirt@acme.example")
    with pytest.raises(InvalidInput, match="to"):
        send_notice(settings, ["ops@customer.example\r\nBcc: x@evil.example"], case.key, notice)
    assert inbox.messages == []


def test_unreachable_server_is_a_delivery_error() -> None:
    case = make_case()
    notice = build_notice(context(case, party(PartyKind.CUSTOMER)), NoticeKind.USERS)
    settings = SmtpSettings("127.0.0.1", 1, "psirt@acme.example", timeout=2)
    with pytest.raises(DeliveryFailed, match=r"127\.0\.0\.1:1"):
        send_notice(settings, ["ops@customer.example"], case.key, notice)

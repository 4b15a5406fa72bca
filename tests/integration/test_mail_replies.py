"""Staff replies in a report's thread go to the reporter by mail (aiosmtpd), OpenPGP-encrypted
when the reporter's key is attached, and each delivery is recorded with its recipient."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import gnupg
import pytest

from tests.builders import seed_reference
from tests.canary import database_rows, leaks
from tests.integration.test_notify_flow import WORKER, Smtp, smtp
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container, build
from vulndesk.services.background import worker
from vulndesk.services.context import Actor
from vulndesk.services.intake import mail as intake_mail
from vulndesk.services.intake import mail_replies
from vulndesk.services.intake import public as intake
from vulndesk.services.intake.mail_ports import InboundMail
from vulndesk.services.intake.ports import Upload
from vulndesk.services.intake.receipts import Rate

__all__ = ["smtp"]
REPORTER = "finder@example.org"
CANARY = "CANARY-reply-5d1e8a"
STAFF = Actor("analyst-a", "web:test")


def _gpg(home: Path) -> gnupg.GPG:
    home.mkdir(mode=0o700)
    return gnupg.GPG(gnupghome=str(home))


@pytest.fixture
def desk(
    container: Container, tmp_path: Path, clock: SettableClock, smtp: Smtp
) -> Iterator[Container]:
    org = _gpg(tmp_path / "org")
    key = org.gen_key(org.gen_key_input(key_type="RSA", key_length=2048,
                                        name_email="security@example.com", no_protection=True))  # fmt: skip
    settings = replace(
        container.settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_sender="security@example.com",
        gnupghome=tmp_path / "org",
        intake_key=str(key.fingerprint),
    )
    c = build(settings, clock)
    seed_reference(c.deps(), Actor("admin", "test"))
    smtp.start()
    yield c
    c.close()


def _mail(key: str, body: str, attachments: tuple[Upload, ...] = ()) -> InboundMail:
    digest = hashlib.sha256(body.encode()).hexdigest()
    return InboundMail(key, digest, REPORTER, "bug", body, attachments=attachments)


def _report(c: Container, mail: InboundMail) -> str:
    return intake_mail.receive_mail(c.deps(), mail, Rate(50, 3600)).tracking


def test_a_staff_reply_is_mailed_encrypted_to_the_reporters_key(
    desk: Container, smtp: Smtp, tmp_path: Path
) -> None:
    reporter = _gpg(tmp_path / "reporter")
    rkey = reporter.gen_key(reporter.gen_key_input(key_type="RSA", key_length=2048,
                                                   name_email=REPORTER, no_protection=True))  # fmt: skip
    public = str(reporter.export_keys(rkey.fingerprint)).encode()
    mail = _mail(
        "<m1@example.org>", "XSS in the admin page", (Upload("key.asc", "text/plain", public),)
    )
    tracking = _report(desk, mail)
    intake.reply(desk.deps(), STAFF, tracking, f"Confirmed; fixed in 2.1 ({CANARY}).")
    worker.run_once(desk.deps(), WORKER)  # the acknowledgement and the reply
    subjects = [str(smtp.inbox.parsed(i)["Subject"]) for i in range(len(smtp.inbox.messages))]
    assert f"[{tracking}] Reply from the security team" in subjects, subjects
    i = subjects.index(f"[{tracking}] Reply from the security team")
    rcpts, raw = smtp.inbox.messages[i]
    sent = smtp.inbox.parsed(i)
    assert rcpts == [REPORTER] and CANARY.encode() not in raw  # only the ciphertext travels
    assert str(sent["Message-ID"]).startswith(f"<{tracking}.")
    body = sent.get_content()
    assert "BEGIN PGP MESSAGE" in body
    plain = str(reporter.decrypt(body))
    assert CANARY in plain and tracking in plain
    with desk.uow() as uow:
        (done,) = uow.intake.mailings(tracking)
    assert (done.recipient, done.message, done.encrypted) == (REPORTER, 0, True)
    assert done.message_id == str(sent["Message-ID"])
    rows = database_rows(desk.engine)
    assert not leaks(rows["intake_mailings"], REPORTER)  # the address is sealed at rest
    worker.run_once(desk.deps(), WORKER)
    assert subjects.count(f"[{tracking}] Reply from the security team") == 1
    assert len(smtp.inbox.messages) == len(subjects)  # sent once


def test_without_a_key_the_reply_goes_in_plain_text_and_is_recorded(
    desk: Container, smtp: Smtp
) -> None:
    tracking = _report(desk, _mail("<m2@example.org>", "SQL injection in login"))
    intake.reply(desk.deps(), STAFF, tracking, "Which version did you test?")
    worker.run_once(desk.deps(), WORKER)
    replies = [
        smtp.inbox.parsed(i)
        for i in range(len(smtp.inbox.messages))
        if "Reply from the security team" in str(smtp.inbox.parsed(i)["Subject"])
    ]
    assert len(replies) == 1 and "Which version did you test?" in replies[0].get_content()
    with desk.uow() as uow:
        assert [(m.recipient, m.encrypted) for m in uow.intake.mailings(tracking)] == [
            (REPORTER, False)
        ]


def test_a_report_without_an_address_gets_no_mail(desk: Container, smtp: Smtp) -> None:
    request = replace(
        intake_mail.request_of(_mail("<m3@example.org>", "Overflow")),
        contact="WeChat: finder",
        channel="web",
        source_address="203.0.113.9",
    )
    from vulndesk.services.intake import receive as intake_receive

    sent = intake_receive.Submission("test", "k3", "d3", "203.0.113.9")
    tracking = str(
        intake_receive.receive(desk.deps(), request, sent, Rate(50, 3600)).body["tracking"]
    )
    intake.reply(desk.deps(), STAFF, tracking, "Thanks")
    with desk.uow() as uow:
        assert mail_replies.reply_address(uow, tracking) == ""
        assert [m.author for m in uow.intake.messages(tracking)] == ["team"]
    worker.run_once(desk.deps(), WORKER)
    assert smtp.inbox.messages == []

"""E-mail intake against a real Dovecot IMAP server: reports, OpenPGP, threads, crash, rate."""

from __future__ import annotations

import datetime as dt
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from pathlib import Path
from typing import Any

import gnupg
import pytest
from imap_tools.mailbox import MailBoxUnencrypted

from tests import imap
from tests.builders import accounts_for, as_person, seed_reference
from tests.canary import database_rows, leaks
from vulndesk.bootstrap import Container, build
from vulndesk.config import ImapSettings
from vulndesk.domain.ids import CaseKey
from vulndesk.entrypoints.cli.mailbox import read_mailbox
from vulndesk.services.access import rights as access
from vulndesk.services.context import Actor
from vulndesk.services.intake import mail as intake_mail
from vulndesk.services.intake.receipts import Rate
from vulndesk.services.notify import need_mail
from vulndesk.services.notify.ports import OutgoingMail

pytestmark = pytest.mark.skipif(not imap.available(), reason="dovecot-imapd is not installed")
SENDER = "finder@example.org"


@pytest.fixture(scope="module")
def server() -> Iterator[imap.ImapServer]:
    # Not under pytest's private temporary tree: Dovecot's own users must reach its files.
    with (
        tempfile.TemporaryDirectory(prefix="vulndesk-dovecot-") as root,
        imap.dovecot(Path(root)) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def org_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("gnupg")
    gpg = gnupg.GPG(gnupghome=str(home))
    key = gpg.gen_key(
        gpg.gen_key_input(
            key_type="RSA", key_length=2048, name_email="security@example.com", no_protection=True
        )
    )
    assert key.fingerprint
    return home, str(key.fingerprint)


@pytest.fixture
def mail_container(
    container: Container, server: imap.ImapServer, org_key: tuple[Path, str], tmp_path: Path
) -> Iterator[Container]:
    folder = f"in{tmp_path.name[-20:]}".replace("_", "")
    settings = replace(
        container.settings,
        imap=ImapSettings(
            server.host, server.user, server.password, server.port, folder, folder + "-done",
            "none",
        ),
        gnupghome=org_key[0],
        intake_key=org_key[1],
        intake_rate=Rate(3, 3600),
    )  # fmt: skip
    with _box(server) as box:
        box.folder.create(folder)
    c = build(settings, container.clock)
    seed_reference(c.deps(), Actor("admin", "test"))
    yield c
    c.close()


def _box(server: imap.ImapServer) -> Any:
    return MailBoxUnencrypted(server.host, server.port).login(server.user, server.password)


def _deliver(c: Container, server: imap.ImapServer, raw: bytes) -> None:
    assert c.settings.imap is not None
    with _box(server) as box:
        box.append(raw, c.settings.imap.folder)


def _count(c: Container, server: imap.ImapServer, folder: str) -> int:
    with _box(server) as box:
        box.folder.set(folder)
        return len(list(box.fetch(mark_seen=False)))


def _plain(body: str, msg_id: str, subject: str = "Vulnerability", sender: str = SENDER) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "security@example.com", subject
    msg["Message-ID"] = msg_id
    msg.set_content(body)
    return msg.as_bytes()


def _acks(c: Container) -> list[str]:
    now = c.clock.now()
    with c.uow() as uow:
        got = uow.outbox.claim("t", now, now + dt.timedelta(minutes=1), 50)
        uow.commit()
    return [m.dedupe_key for m in got if m.kind == intake_mail.ACK]


def test_plain_mail_becomes_a_report_with_an_acknowledgement_queued(
    mail_container: Container, server: imap.ImapServer
) -> None:
    c = mail_container
    _deliver(c, server, _plain("Product: router\nSQL injection in login", "<a1@example.org>"))
    got = read_mailbox(c)
    assert [o.kind for o in got] == ["report"], got
    tracking = got[0].tracking
    assert tracking.startswith("R-")
    with c.uow() as uow:
        record = uow.intake.get(tracking)
        assert record.channel == "email"
        assert any(r.tracking == tracking for r in uow.intake.receipts(10))
    assert _acks(c) == [f"{intake_mail.ACK}/{tracking}"]
    assert c.settings.imap is not None
    assert _count(c, server, c.settings.imap.folder) == 0
    assert _count(c, server, c.settings.imap.processed_folder) == 1


def test_encrypted_mail_is_decrypted_and_its_canary_stored_only_encrypted(
    mail_container: Container, server: imap.ImapServer, org_key: tuple[Path, str]
) -> None:
    c = mail_container
    canary = "CANARY-mail-7f3a9c1e"
    gpg = gnupg.GPG(gnupghome=str(org_key[0]))
    inner = EmailMessage()
    inner.set_content(f"Heap overflow, secret detail {canary}")
    inner.add_attachment(f"poc {canary}".encode(), maintype="text", subtype="plain",
                         filename="poc.txt")  # fmt: skip
    sealed = str(gpg.encrypt(inner.as_bytes(), org_key[1], always_trust=True, armor=True))
    assert "BEGIN PGP MESSAGE" in sealed
    outer = MIMEMultipart("encrypted", protocol="application/pgp-encrypted")
    control = MIMEBase("application", "pgp-encrypted")
    control.set_payload("Version: 1\n")
    outer.attach(control)
    outer.attach(MIMEApplication(sealed, "octet-stream", lambda m: None))
    outer["From"], outer["Subject"], outer["Message-ID"] = SENDER, "...", "<enc1@example.org>"
    _deliver(c, server, outer.as_bytes())
    got = read_mailbox(c)
    assert [o.kind for o in got] == ["report"], got
    tracking = got[0].tracking
    with c.uow() as uow:
        case = uow.cases.get(CaseKey(uow.intake.get(tracking).case_key))
        assert canary in case.details["technical_characteristics"]
        atts = uow.intake.attachments(tracking)
        assert [a.name for a in atts] == ["poc.txt"]
        assert canary.encode() in uow.intake.attachment_content(tracking, atts[0].sha256)
    for table, data in database_rows(c.engine).items():
        assert not leaks(data, canary), table


def test_follow_up_by_tracking_id_lands_in_the_thread_and_ack_is_encrypted(
    mail_container: Container, server: imap.ImapServer, tmp_path: Path
) -> None:
    c = mail_container
    (tmp_path / "reporter").mkdir(mode=0o700)
    reporter = gnupg.GPG(gnupghome=str(tmp_path / "reporter"))
    rkey = reporter.gen_key(
        reporter.gen_key_input(key_type="RSA", key_length=2048, name_email=SENDER,
                               no_protection=True)
    )  # fmt: skip
    first = EmailMessage()
    first["From"], first["Subject"], first["Message-ID"] = SENDER, "bug", "<f1@example.org>"
    first.set_content("XSS in the admin page")
    first.add_attachment(str(reporter.export_keys(rkey.fingerprint)).encode(), maintype="text",
                         subtype="plain", filename="key.asc")  # fmt: skip
    _deliver(c, server, first.as_bytes())
    tracking = read_mailbox(c)[0].tracking
    # A member of the report's case, to be mailed about the reporter's follow-ups.
    ana = as_person("ana", roles={"analyst"})
    accounts_for(c.deps(), ana, role="analyst")
    with c.uow() as uow:
        case_key = uow.intake.get(tracking).case_key
    access.set_member(c.deps(), as_person("lead"), case_key, "ana", True)
    reply = _plain("More detail: also in /users", "<f2@example.org>", f"Re: [{tracking}] Report")
    stranger = _plain("I am not the reporter", "<f3@example.org>", f"Re: [{tracking}]",
                      sender="other@example.net")  # fmt: skip
    _deliver(c, server, reply)
    _deliver(c, server, stranger)
    got = read_mailbox(c)
    assert [(o.kind, o.tracking == tracking) for o in got] == [
        ("follow-up", True), ("report", False)
    ]  # fmt: skip
    by_header = EmailMessage()
    by_header["From"], by_header["Subject"] = SENDER, "Re: your mail"
    by_header["Message-ID"] = "<f4@example.org>"
    by_header["In-Reply-To"] = f"<{tracking}.0a1b2c.vulndesk@example.com>"
    by_header.set_content("And the API too")
    _deliver(c, server, by_header.as_bytes())
    assert [(o.kind, o.tracking) for o in read_mailbox(c)] == [("follow-up", tracking)]
    with c.uow() as uow:
        assert [m.body for m in uow.intake.messages(tracking)] == [
            "More detail: also in /users",
            "And the API too",
        ]
        # Queued with the first follow-up; the second, still unanswered, adds none.
        rows = [m for m in uow.outbox.list(limit=100) if m.kind == need_mail.MESSAGE]
    assert [(m.payload["to"], m.payload["case"]) for m in rows] == [("ana", case_key)]
    sent: list[OutgoingMail] = []

    class Recorder:
        def mail(self, message: OutgoingMail) -> str:
            sent.append(message)
            return "<id>"

        def webhook(self, *args: object) -> int:
            raise AssertionError

    now = c.clock.now()
    with c.uow() as uow:
        msgs = uow.outbox.claim("t", now, now + dt.timedelta(minutes=1), 50)
        ack = next(m for m in msgs if m.dedupe_key == f"{intake_mail.ACK}/{tracking}")
        intake_mail.deliver_ack(Recorder(), c.intake_crypto, uow, ack, now, Actor("w", "worker"))
        uow.commit()
    assert sent[0].to == SENDER and "BEGIN PGP MESSAGE" in sent[0].text
    assert tracking in str(reporter.decrypt(sent[0].text))


def test_a_crash_between_commit_and_move_makes_no_duplicate(
    mail_container: Container, server: imap.ImapServer
) -> None:
    c = mail_container
    _deliver(c, server, _plain("Auth bypass", "<crash1@example.org>"))

    def stop(_: intake_mail.Outcome) -> None:
        raise SystemExit("stopped after the commit")

    with pytest.raises(SystemExit):
        read_mailbox(c, committed=stop)
    assert c.settings.imap is not None
    assert _count(c, server, c.settings.imap.folder) == 1  # not moved
    again = read_mailbox(c)
    assert [o.kind for o in again] == ["report"]
    with c.uow() as uow:
        assert [r.tracking for r in uow.intake.recent(10)] == [again[0].tracking]
    assert _acks(c) == [f"{intake_mail.ACK}/{again[0].tracking}"]
    assert _count(c, server, c.settings.imap.folder) == 0


def test_the_rate_limit_applies_and_defers_the_rest(
    mail_container: Container, server: imap.ImapServer
) -> None:
    c = mail_container
    for i in range(4):
        _deliver(c, server, _plain(f"Report {i}", f"<rate{i}@example.org>"))
    got = read_mailbox(c)
    assert [o.kind for o in got] == ["report"] * 3 + ["deferred"]
    assert c.settings.imap is not None
    assert _count(c, server, c.settings.imap.folder) == 1  # kept for a later window


def test_security_txt_names_the_served_intake_key(
    mail_container: Container, org_key: tuple[Path, str]
) -> None:
    from fastapi import FastAPI

    from vulndesk.entrypoints.api.intake import KEY_PATH, build_router

    with warnings.catch_warnings():
        # Starlette deprecates httpx in favour of httpx2, which is not installed here.
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    app = FastAPI()
    app.include_router(build_router(mail_container))
    client = TestClient(app)
    txt = client.get("/.well-known/security.txt").text
    assert f"Encryption: {mail_container.settings.public_url}{KEY_PATH}\n" in txt
    served = client.get(KEY_PATH)
    assert served.status_code == 200 and "BEGIN PGP PUBLIC KEY BLOCK" in served.text
    gpg = gnupg.GPG(gnupghome=str(org_key[0]))
    assert gpg.import_keys(served.text).fingerprints == [org_key[1]]


def test_the_worker_reads_the_mailbox_and_mails_the_acknowledgement(
    mail_container: Container, server: imap.ImapServer, db_url: str, tmp_path: Path
) -> None:
    from tests.e2e.cli import Cli
    from tests.integration.test_notify_flow import Smtp

    c, imap_settings = mail_container, mail_container.settings.imap
    assert imap_settings is not None
    _deliver(c, server, _plain("Product: router\nRCE via upload", "<w1@example.org>"))
    smtp = Smtp()
    smtp.start()
    try:
        cli = Cli(tmp_path, db_url)
        cli.env |= {
            "VULNDESK_SMTP_PORT": str(smtp.port),
            "VULNDESK_SMTP_SENDER": "security@example.com",
            "VULNDESK_IMAP_HOST": server.host,
            "VULNDESK_IMAP_PORT": str(server.port),
            "VULNDESK_IMAP_USER": server.user,
            "VULNDESK_IMAP_PASSWORD": server.password,
            "VULNDESK_IMAP_SECURITY": "none",
            "VULNDESK_IMAP_FOLDER": imap_settings.folder,
            "VULNDESK_IMAP_PROCESSED_FOLDER": imap_settings.processed_folder,
        }
        assert "mailbox: reports 1" in cli.run("worker", "--once").stdout
        cli.run("worker", "--once")  # the outbox round that sends the acknowledgement
    finally:
        smtp.stop()
    with c.uow() as uow:
        (tracking,) = [r.tracking for r in uow.intake.recent(5)]
    assert [r for r, _ in smtp.inbox.messages] == [[SENDER]]
    ack = smtp.inbox.parsed(0)
    assert ack["Subject"] == f"[{tracking}] Report received"
    assert str(ack["Message-ID"]).startswith(f"<{tracking}.")
    assert tracking in ack.get_content()

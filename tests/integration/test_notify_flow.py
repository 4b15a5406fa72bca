"""Notifications end to end: a real SMTP server and a real webhook receiver, on both engines."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.builders import accounts_for, as_person, open_case, seed_reference
from tests.conftest import TEST_KEYS
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.delivery.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.domain.errors import GuardFailed
from vulndesk.domain.ids import parse_case_key
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access.rights import Principal
from vulndesk.services.background import worker
from vulndesk.services.background.ports import OutboxStatus
from vulndesk.services.cases import reference
from vulndesk.services.context import Actor, Deps
from vulndesk.services.disclosure import ledger
from vulndesk.services.notify import notices as notifications
from vulndesk.services.reports import approvals, oversight
from vulndesk.services.reports import drafts as reports

# Titles are single lines; Unicode line breaks (U+2028, NEL) and markup still get planted.
HOSTILE = "Overflow\u2028Bcc: leak@evil.example\x85<script>alert(1)</script> NIGHTJAR"
CRLF = "\r\nBcc: x@evil.example\r\nX-Injected: yes"
CANARY = "CANARY-7f3e9b1d"
SECRET = b"telco-webhook-secret"
WORKER = Actor("worker@test", "worker")


@dataclass
class Inbox:
    messages: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"

    def parsed(self, i: int) -> EmailMessage:
        msg = email.message_from_bytes(self.messages[i][1], policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Smtp:
    """aiosmtpd on a fixed loopback port that can be started late (the server is 'down' before)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    try:
        yield server
    finally:
        server.stop()


class Receiver(BaseHTTPRequestHandler):
    """Checks the HMAC signature as a real receiver would; answers 204, or 401 when it fails."""

    received: list[tuple[bool, bytes]] = []  # noqa: RUF012 - shared by the server's handler instances
    now: dt.datetime = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        stamp, sig = self.headers[TIMESTAMP_HEADER], self.headers[SIGNATURE_HEADER]
        ok = verify(SECRET, stamp, body, sig, self.now)
        self.received.append((ok, body))
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def hook() -> Iterator[str]:
    Receiver.received = []
    httpd = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/hooks/vulndesk"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@dataclass
class Desk:
    settings: Settings
    clock: SettableClock
    containers: list[Container] = field(default_factory=list)

    def deps(self) -> Deps:
        """A new container on the same database: what a restarted process would see."""
        c = build(self.settings, self.clock)
        self.containers.append(c)
        return c.deps()


@pytest.fixture
def desk(db_url: str, tmp_path: Path, clock: SettableClock, smtp: Smtp) -> Iterator[Desk]:
    settings = Settings(
        home=tmp_path,
        database_url=db_url,
        keys_json=TEST_KEYS,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_sender="psirt@acme.example",
        webhook_hosts=("127.0.0.1",),
        webhook_allow_loopback=True,
        webhook_secrets={"telco": SECRET.decode()},
    )
    d = Desk(settings, clock)
    yield d
    for c in d.containers:
        c.close()


def seed(deps: Deps, actor: Principal, hook_url: str | None = None) -> str:
    seed_reference(deps, actor)
    reference.add_party(
        deps, actor, id="bank-cn", name="Bank of Shenzhen", kind="customer", country="CN",
        channels=["email:ops@bank.example"], language="zh-CN",
    )  # fmt: skip
    notifications.subscribe(deps, actor, "router", "bank-cn", ["1.0"])
    if hook_url:
        reference.add_party(
            deps, actor, id="telco", name="Telco", kind="customer", country="CN",
            channels=[f"webhook:{hook_url}"],
        )  # fmt: skip
        notifications.subscribe(deps, actor, "router", "telco")
    case = open_case(
        deps,
        actor,
        title=HOSTILE,
        details={
            "summary": f"Heap overflow.{CRLF}\r\n<script>alert(2)</script> {HOSTILE}",
            "remediation": "Upgrade to 1.1.",
            "proof_of_concept": f"{CANARY} curl -d @poc",
            "exploit": f"{CANARY} exploit chain",
            "trigger_location": f"{CANARY} httpd/parse.c:120",
        },
    )
    return case.key


def raw_headers(msg: EmailMessage) -> str:
    return "".join(f"{k}: {v}\n" for k, v in msg.items())


def status_of(deps: Deps, case: str, obligation: str) -> ObligationStatus:
    with deps.uow() as uow:
        found = {o.id: o for o in uow.obligations.for_case(parse_case_key(case))}
    return found[obligation].status


def test_full_flow_mail_and_webhook_once_across_restart(
    desk: Desk, smtp: Smtp, hook: str, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    key = seed(deps, actor, hook)
    Receiver.now = desk.clock.now()

    planned = notifications.plan(deps, actor, key)
    users = {p.party: p for p in planned if p.kind == "users"}
    assert set(users) == {"bank-cn", "telco"}
    assert users["bank-cn"].channel == "email" and users["telco"].channel == "webhook"
    assert "cn-rmsv-2021/notify-users" in users["bank-cn"].obligations
    assert status_of(deps, key, "cn-rmsv-2021/notify-users") is ObligationStatus.OPEN

    queued = notifications.send(deps, actor, key, kind="users")
    assert [(q.party, q.channel, q.new) for q in queued] == [
        ("bank-cn", "email", True),
        ("telco", "webhook", True),
    ]
    mail_key = queued[0].key
    assert mail_key is not None and mail_key.startswith(f"{key}/notice/users/bank-cn/email/")

    _, sent = worker.run_once(deps, WORKER)
    assert sent.sent == 2 and sent.retried == 0

    assert len(smtp.inbox.messages) == 1
    rcpts, raw = smtp.inbox.messages[0]
    assert rcpts == ["ops@bank.example"]
    msg = smtp.inbox.parsed(0)
    assert msg["Subject"] == f"[vulndesk] {key} 安全通告"
    assert msg["X-Vulndesk-Delivery"] == mail_key
    assert f"X-Vulndesk-Delivery: {mail_key}\r\n".encode() in raw  # plain ASCII, one line
    assert msg["Bcc"] is None
    headers = raw_headers(msg)
    for planted in ("NIGHTJAR", "script", "evil.example", "Overflow", "Injected", CANARY):
        assert planted not in headers
    assert msg["X-Injected"] is None
    plain = msg.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "现就下列产品中的安全漏洞" in text and "Upgrade to 1.1." in text
    assert CANARY not in raw.decode("utf-8", "replace") and CANARY not in text

    assert len(Receiver.received) == 1
    ok, body = Receiver.received[0]
    assert ok  # the HMAC signature verified on the receiving side
    doc = json.loads(body)
    assert doc["delivery"].startswith(f"{key}/notice/users/telco/webhook/")
    assert CANARY not in body.decode()

    entries = ledger.list_entries(deps, key)
    assert sorted(
        (e.entry.recipient, e.entry.disclosure_kind, e.entry.channel) for e in entries
    ) == [
        ("bank-cn", "user-notice", "email"),
        ("telco", "user-notice", "webhook"),
    ]
    frozen = {m.key: m for m in notifications.messages(deps, actor, key)}
    mail_entry = next(e for e in entries if e.entry.channel == "email")
    assert mail_entry.entry.sha256 == frozen[mail_key].sha256 == mail_key.rsplit("/", 1)[1]
    assert status_of(deps, key, "cn-rmsv-2021/notify-users") is ObligationStatus.MET

    # A restarted process on the same database sends nothing again, even when asked to.
    again = desk.deps()
    assert [q.new for q in notifications.send(again, actor, key, kind="users")] == [False, False]
    _, resent = worker.run_once(again, WORKER)
    assert resent.claimed == 0
    assert len(smtp.inbox.messages) == 1 and len(Receiver.received) == 1
    assert len(ledger.list_entries(again, key)) == 2


def test_smtp_down_is_retried_with_backoff_then_delivered_once(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    deps = desk.deps()
    key = seed(deps, actor)
    notifications.send(deps, actor, key, recipient="bank-cn")

    _, first = worker.run_once(deps, WORKER)  # nothing listens on the SMTP port yet
    assert (first.sent, first.retried) == (0, 1)
    with deps.uow() as uow:
        (row,) = uow.outbox.list(OutboxStatus.PENDING)
    assert row.next_attempt_at == desk.clock.now() + worker.backoff(1)
    assert "SMTP delivery" in (row.last_error or "")
    assert ledger.list_entries(deps, key) == []

    smtp.start()
    _, early = worker.run_once(deps, WORKER)  # still backing off
    assert early.claimed == 0 and smtp.inbox.messages == []

    desk.clock.advance(worker.backoff(1) + dt.timedelta(seconds=1))
    _, later = worker.run_once(deps, WORKER)
    assert later.sent == 1
    desk.clock.advance(dt.timedelta(hours=1))
    worker.run_once(desk.deps(), WORKER)
    assert len(smtp.inbox.messages) == 1
    assert [e.entry.disclosure_kind for e in ledger.list_entries(deps, key)] == ["user-notice"]
    assert status_of(deps, key, "cn-rmsv-2021/notify-users") is ObligationStatus.MET


def test_an_existing_notice_draft_must_be_approved_first(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    key = seed(deps, actor)
    draft = reports.draft_report(deps, actor, key, "notice.users", "bank-cn")
    with pytest.raises(GuardFailed, match="approve it first"):
        notifications.send(deps, actor, key, recipient="bank-cn")
    assert notifications.plan(deps, actor, key)[0].blocked is not None

    approvers = (as_person("approver-b", "test"), as_person("approver-c", "test"))
    accounts_for(deps, *approvers)
    for who in approvers:
        approvals.approve(deps, who, draft.ref)
    (queued,) = notifications.send(deps, actor, key, recipient="bank-cn")
    assert queued.new
    worker.run_once(deps, WORKER)

    (entry,) = ledger.list_entries(deps, key)
    assert entry.entry.draft_ref == draft.ref
    assert set(entry.entry.approvers) == {"approver-b", "approver-c"}
    assert reports.get_draft(deps, as_person("reader"), draft.ref).status == "submitted"
    assert len(smtp.inbox.messages) == 1


def test_headquarters_notices_are_mailed_to_subscribers_once(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    key = seed(deps, actor)
    oversight.subscribe(deps, actor, "HQ PSIRT", "hq@acme.example")
    reports.draft_report(deps, actor, key, "nvdb", "nvdb")  # a government draft: an HQ notice

    worker.run_once(deps, WORKER)
    worker.run_once(desk.deps(), WORKER)

    assert len(smtp.inbox.messages) == 1
    rcpts, raw = smtp.inbox.messages[0]
    assert rcpts == ["hq@acme.example"]
    msg = smtp.inbox.parsed(0)
    assert msg["Subject"] == "[vulndesk] headquarters notice"
    assert msg["X-Vulndesk-Delivery"].startswith("hq-notice/")
    text = raw.decode("utf-8", "replace")
    plain = msg.get_body(("plain",))
    assert plain is not None and key in plain.get_content()
    for planted in ("NIGHTJAR", "Heap overflow", CANARY):
        assert planted not in text


def test_upstream_and_csirt_notices_carry_no_secret_fields(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    seed(deps, actor)
    reference.add_party(
        deps, actor, id="cncert", name="CNCERT", kind="csirt", country="CN",
        channels=["email:cert@cncert.example"], language="zh-CN",
    )  # fmt: skip
    key = open_case(
        deps,
        actor,
        title="Overflow in bundled library",
        upstream_component=True,
        details={
            "summary": "Overflow in a component.",
            "technical_characteristics": "RESTRICTED-MARK length check missing",
            "proof_of_concept": f"{CANARY} poc",
            "exploit": f"{CANARY} exploit",
            "operator_system_details": f"{CANARY} hosts",
        },
    ).key
    planned = {(p.kind, p.party): p for p in notifications.plan(deps, actor, key)}
    assert set(planned) == {("users", "bank-cn"), ("upstream", "openssl"), ("csirt", "cncert")}
    assert "cn-rmsv-2021/notify-upstream" in planned[("upstream", "openssl")].obligations

    notifications.send(deps, actor, key, kind="upstream")
    # A CSIRT is a government: two people approve what it is told (a release decision).
    with pytest.raises(GuardFailed, match="two-person"):
        notifications.send(deps, actor, key, kind="csirt")
    proposer, second = as_person("approver-a", "test"), as_person("approver-b", "test")
    accounts_for(deps, proposer, second)  # decisions count only for real approver accounts
    release = approvals.record_decision(deps, proposer, "release", key, "cncert", "CNCERT duty")
    approvals.approve_decision(deps, second, release.id)
    notifications.send(deps, actor, key, kind="csirt")
    worker.run_once(deps, WORKER)

    by_rcpt = {r[0]: raw.decode("utf-8", "replace") for r, raw in smtp.inbox.messages}
    assert set(by_rcpt) == {"sec@openssl.example", "cert@cncert.example"}
    for i in range(len(smtp.inbox.messages)):
        body = smtp.inbox.parsed(i).get_body(("plain",))
        assert body is not None
        assert "RESTRICTED-MARK" in body.get_content()  # restricted fields do reach them
        assert CANARY not in body.get_content()
    assert all(CANARY not in raw for raw in by_rcpt.values())
    kinds = {e.entry.disclosure_kind for e in ledger.list_entries(deps, key)}
    assert kinds == {"upstream-notice", "csirt-notice"}
    assert status_of(deps, key, "cn-rmsv-2021/notify-upstream") is ObligationStatus.MET
    assert [n.recipient for n in oversight.notices(deps, actor)] == ["cncert"]

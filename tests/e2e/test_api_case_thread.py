"""The reporter's thread from the API: read (audited) and replied to; a reply reaches the
reporter by mail (aiosmtpd), and the reply route refuses every role the console refuses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.e2e.test_api_authz import MISSING, USERS, call, sans_date, visible
from tests.e2e.test_api_support import CANARY, World, build_world
from tests.integration.test_notify_flow import WORKER, Smtp, smtp
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container, build
from vulndesk.services.background import worker
from vulndesk.services.intake import mail as intake_mail
from vulndesk.services.intake.mail_ports import InboundMail
from vulndesk.services.intake.receipts import Rate

__all__ = ["smtp"]
REPORTER = "finder@example.org"
WRITERS = {"admin", "coordinator", "analyst", "approver", "outsider"}


@pytest.fixture
def mworld(container: Container, clock: SettableClock, smtp: Smtp) -> Iterator[World]:
    settings = replace(
        container.settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_sender="security@example.com",
    )
    c = build(settings, clock)
    smtp.start()
    w = build_world(c, clock)
    try:
        with w.client:
            yield w
    finally:
        c.close()


def _reported(w: World, body: str) -> tuple[str, str]:
    """A report mailed in by the reporter: its tracking id and case key."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    mail = InboundMail("<t1@example.org>", digest, REPORTER, "bug", body)
    tracking = intake_mail.receive_mail(w.container.deps(), mail, Rate(50, 3600)).tracking
    with w.container.uow() as uow:
        key = uow.intake.get(tracking).case_key
    assert key is not None
    return tracking, key


def test_a_reply_through_the_api_reaches_the_reporter_by_mail(mworld: World, smtp: Smtp) -> None:
    w = mworld
    tracking, key = _reported(w, "XSS in the admin page")
    reads = w.count("audit_events")
    got = w.client.get(f"/api/v1/cases/{key}/thread", headers=w.headers("coordinator"))
    assert got.status_code == 200, got.text
    assert got.json()["tracking"] == tracking
    assert got.json()["messages"] == []  # the report itself is the case, not a message
    assert w.count("audit_events") == reads + 1  # the read is audited
    headers = w.headers("coordinator", **{"Idempotency-Key": "reply-1"})
    sent = {"body": "Which version did you test?"}
    r = w.client.post(f"/api/v1/cases/{key}/thread", headers=headers, json=sent)
    assert r.status_code == 201, r.text
    assert r.json()["messages"][-1]["body"] == "Which version did you test?"
    again = w.client.post(f"/api/v1/cases/{key}/thread", headers=headers, json=sent)
    assert (again.status_code, again.json()) == (201, r.json())  # replayed, not sent twice
    worker.run_once(w.container.deps(), WORKER)
    replies = [
        (smtp.inbox.messages[i][0], smtp.inbox.parsed(i))
        for i in range(len(smtp.inbox.messages))
        if str(smtp.inbox.parsed(i)["Subject"]) == f"[{tracking}] Reply from the security team"
    ]
    assert len(replies) == 1, [
        str(smtp.inbox.parsed(i)["Subject"]) for i in range(len(smtp.inbox.messages))
    ]
    rcpts, message = replies[0]
    assert rcpts == [REPORTER]
    assert "Which version did you test?" in message.get_content()


def test_the_thread_of_a_case_not_from_a_report_is_empty(mworld: World) -> None:
    r = mworld.client.get(f"/api/v1/cases/{mworld.own}/thread", headers=mworld.headers("analyst"))
    assert (r.status_code, r.json()) == (200, {"tracking": None, "messages": [], "attachments": []})


def test_a_reply_follows_roles_and_hides_what_is_not_yours(mworld: World) -> None:
    """Every user on the own, embargoed and missing case: invisible answers like missing,
    non-writers get 403, writers reach the service (a case not from a report is 422)."""
    w = mworld
    path = "/api/v1/cases/{case}/thread"
    body = {"body": "hello"}
    for user in USERS:
        missing = call(w, user, "POST", path.format(case=MISSING), body)
        assert missing.status_code == 404, (user, missing.text)
        for target in (w.own, w.foreign):
            r = call(w, user, "POST", path.format(case=target), body)
            assert CANARY not in r.text or user in {"admin", "coordinator", "hqoversight"}
            if not visible(user, target, w):
                assert (r.status_code, r.content) == (404, missing.content), (user, target)
                assert sans_date(r.headers) == sans_date(missing.headers), (user, target)
            elif user not in WRITERS:
                assert r.status_code == 403, (user, target, r.text)
            else:
                assert r.status_code == 422, (user, target, r.text)
                assert "did not come from a public report" in r.text

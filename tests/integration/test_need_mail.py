"""Mail for what needs a person: an approval waiting for them and a reporter's new message.

A real SMTP server (aiosmtpd) and the outbox worker, on SQLite and PostgreSQL: who is mailed
(owners and members with case access who did not cause it and did not opt out), the fixed
subjects, bodies without case content, coalescing, and the check again at sending.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from tests.integration.test_escalation_recipients import WORKER, Desk, desk_for
from tests.integration.test_notify_flow import Smtp, smtp
from vulndesk.adapters.clock import SettableClock
from vulndesk.domain.ids import CaseKey
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import mail_prefs
from vulndesk.services.background import worker
from vulndesk.services.clocks import waivers
from vulndesk.services.context import Actor, Deps
from vulndesk.services.intake import public as intake
from vulndesk.services.notify import need_mail
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

__all__ = ["smtp"]
TITLE = "NIGHTJAR heap overflow in httpd"
SECRET = "OSPREY-telnet-backdoor"
OID = "cn-rmsv-2021/report-to-nvdb"
PUBLIC_URL = "https://desk.acme.example"

# The drafter and proposer (an administrator who could approve), two approvers on the case,
# one who opted out, an approver and an administrator not on it, an analyst on it.
LEAD = as_person("lead", roles={"admin"}, unit="cn")
BO = as_person("bo", roles={"approver"}, unit="cn")
CY = as_person("cy", roles={"approver"}, unit="cn")
OPTED_OUT = as_person("otto", roles={"approver"}, unit="cn")
OUTSIDER = as_person("dee", roles={"approver"}, unit="cn")
ADMIN_ELSEWHERE = as_person("eve", roles={"admin"}, unit="cn")
ANA = as_person("ana", roles={"analyst"}, unit="cn")
MEMBERS = ["lead", "bo", "cy", "otto", "ana"]


@pytest.fixture
def desk(db_url: str, tmp_path: Path, clock: SettableClock, smtp: Smtp) -> Iterator[Desk]:
    d = desk_for(db_url, tmp_path, clock, smtp, public_url=PUBLIC_URL)
    yield d
    for c in d.containers:
        c.close()


def _people(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    accounts_for(deps, LEAD, ADMIN_ELSEWHERE, role="admin")
    accounts_for(deps, BO, CY, OPTED_OUT, OUTSIDER, role="approver")
    accounts_for(deps, ANA, role="analyst")
    mail_prefs.set_choices(deps, OPTED_OUT, "otto", approvals=False, messages=False)


def _mails(smtp: Smtp) -> list[tuple[str, EmailMessage]]:
    return [
        (to.split("@")[0], smtp.inbox.parsed(i))
        for i, (rcpts, _raw) in enumerate(smtp.inbox.messages)
        for to in rcpts
    ]


def _raw(smtp: Smtp) -> str:
    return b"".join(raw for _, raw in smtp.inbox.messages).decode("utf-8", "replace")


def _text(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_new_draft_is_mailed_to_the_approvers_on_the_case_only(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    _people(deps, actor)
    case = open_case(deps, actor, title=TITLE, members=MEMBERS)
    draft = reports.draft_report(deps, LEAD, case.key, "nvdb", "nvdb")

    sent = worker.dispatch(deps, WORKER)
    assert sent.failed == 0
    got = _mails(smtp)
    # Not the drafter (two-person rule), not the analyst, not who opted out, not the people
    # without the case (an approver not a member, an administrator not on it).
    assert sorted(to for to, _ in got) == ["bo", "cy"]
    for _, msg in got:
        assert msg["Subject"] == f"[vulndesk] {case.key} approval waiting"
        text = _text(msg)
        assert f"{PUBLIC_URL}/cases/{case.key}#drafts" in text
        assert draft.ref in text and "审批" in text
    raw = _raw(smtp)
    assert "NIGHTJAR" not in raw and "heap overflow" not in raw.lower()

    # A worker run again, a restarted one, sends nothing twice.
    assert worker.dispatch(desk.deps(), WORKER).sent == 0
    assert len(smtp.inbox.messages) == 2

    # Coalesced: while that draft waits for them, a new version and a second draft on the
    # same case mail nobody again.
    reports.draft_report(deps, LEAD, case.key, "nvdb", "nvdb")
    reports.draft_report(deps, LEAD, case.key, "notice.upstream", "openssl")
    worker.dispatch(deps, WORKER)
    assert len(smtp.inbox.messages) == 2


def test_an_approval_no_longer_waiting_when_sent_is_not_mailed(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    _people(deps, actor)
    case = open_case(deps, actor, members=MEMBERS)
    draft = reports.draft_report(deps, LEAD, case.key, "nvdb", "nvdb")
    # Before the worker runs: bo approves it, cy turns approval mail off.
    approvals.approve(deps, BO, draft.ref)
    mail_prefs.change_my_choices(deps, CY, approvals=False)
    sent = worker.dispatch(deps, WORKER)
    assert sent.failed == 0
    assert smtp.inbox.messages == []
    with deps.uow() as uow:
        tags = [e.event.tag for e in uow.audit.for_object("case", case.key, 1000)]
    assert tags.count("worker:need:mail-skipped") == 2
    assert "worker:need:mailed" not in tags


def test_a_proposed_waiver_is_mailed_to_the_other_approvers(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    _people(deps, actor)
    case = open_case(deps, actor, title=TITLE, members=MEMBERS)
    waiver = waivers.propose(deps, LEAD, case.key, OID, f"not our product {SECRET}")
    worker.dispatch(deps, WORKER)
    got = _mails(smtp)
    assert sorted(to for to, _ in got) == ["bo", "cy"]
    assert {m["Subject"] for _, m in got} == {f"[vulndesk] {case.key} approval waiting"}
    assert f"#{waiver.id}" in _text(got[0][1])
    assert SECRET not in _raw(smtp)


def _public_case(deps: Deps, actor: Principal) -> intake.IntakeReceipt:
    got = intake.submit_report(
        deps,
        intake.IntakeRequest(
            product="router",
            description=f"overflow {SECRET}",
            contact="finder@example.org",
            source_address="198.51.100.7",
        ),
    )
    for name in MEMBERS:
        access.set_member(deps, actor, got.case_key, name, True)
    return got


def test_a_reporters_message_is_mailed_once_until_answered(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    _people(deps, actor)
    got = _public_case(deps, actor)
    key = CaseKey(got.case_key)
    intake.post_message(deps, got.tracking, got.token, f"any news? {SECRET}")
    intake.post_message(deps, got.tracking, got.token, f"hello again {SECRET}")
    worker.dispatch(deps, WORKER)
    first = _mails(smtp)
    # Every owner and member with the case who wants it, once for both unanswered messages.
    assert sorted(to for to, _ in first) == ["ana", "bo", "cy", "lead"]
    for _, msg in first:
        assert msg["Subject"] == f"[vulndesk] {key} new reporter message"
        assert f"{PUBLIC_URL}/cases/{key}#messages" in _text(msg)
    assert SECRET not in _raw(smtp) and "news" not in _raw(smtp)

    # A staff reply mails no member; the reporter's next message is mailed again.
    intake.reply(deps, Actor("ana", "test", frozenset({"analyst"})), got.tracking, "looking")
    worker.dispatch(deps, WORKER)
    staff = [to for to, _ in _mails(smtp) if to != "finder"]  # the reporter gets the reply
    assert len(staff) == 4
    intake.post_message(deps, got.tracking, got.token, "thanks")
    worker.dispatch(deps, WORKER)
    assert len([to for to, _ in _mails(smtp) if to != "finder"]) == 8


def test_a_message_answered_before_the_worker_runs_is_not_mailed(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    _people(deps, actor)
    got = _public_case(deps, actor)
    intake.post_message(deps, got.tracking, got.token, "any news?")
    with deps.uow() as uow:
        queued = [m for m in uow.outbox.list(limit=100) if m.kind == need_mail.MESSAGE]
    assert len(queued) == 4  # queued with the message, in its transaction
    intake.reply(deps, Actor("ana", "test", frozenset({"analyst"})), got.tracking, "on it")
    worker.dispatch(deps, WORKER)
    assert [to for to, _ in _mails(smtp) if to != "finder"] == []


def test_subjects_are_fixed() -> None:
    assert need_mail.subject(need_mail.APPROVAL, "VD-2026-0001") == (
        "[vulndesk] VD-2026-0001 approval waiting"
    )
    assert need_mail.subject(need_mail.MESSAGE, "VD-2026-0001") == (
        "[vulndesk] VD-2026-0001 new reporter message"
    )
    with pytest.raises(Exception, match="case"):
        need_mail.subject(need_mail.MESSAGE, "VD-2026-0001 your router is broken")

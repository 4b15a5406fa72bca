"""Mail of coordinated disclosure through a real SMTP server (aiosmtpd) and the outbox worker,
on SQLite and PostgreSQL: thread messages (who, coalescing, mentions), the embargo break and
the reminders before an embargo ends. Subjects are fixed; bodies carry no case content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from tests.integration.test_escalation_recipients import WORKER, Desk, desk_for
from tests.integration.test_notify_flow import Smtp, smtp
from vulndesk.adapters.clock import SettableClock
from vulndesk.domain.errors import GuardFailed
from vulndesk.domain.ids import CaseKey
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import mail_prefs, users
from vulndesk.services.background import worker
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.coordination import embargo, participants, threads
from vulndesk.services.publication import gate

__all__ = ["smtp"]
PUBLIC_URL = "https://desk.acme.example"
SECRET = "KESTREL-secret-words"
DETAILS = {"summary": "Heap overflow.", "proof_of_concept": "CANARY-COORD-MAIL-POC"}

LEAD = as_person("lead", roles={"coordinator"}, unit="cn")
ANA = as_person("ana", roles={"analyst"}, unit="cn")
OTTO = as_person("otto", roles={"analyst"}, unit="cn")  # a member who turned message mail off
BOSS = as_person("boss", roles={"coordinator"}, unit="cn")  # every case, member of none
DEE = as_person("dee", roles={"analyst"}, unit="cn")  # not a member: may not see the case


@pytest.fixture
def desk(db_url: str, tmp_path: Path, clock: SettableClock, smtp: Smtp) -> Iterator[Desk]:
    d = desk_for(db_url, tmp_path, clock, smtp, public_url=PUBLIC_URL)
    yield d
    for c in d.containers:
        c.close()


def _case(deps: Deps, actor: Principal) -> str:
    seed_reference(deps, actor)
    accounts_for(deps, LEAD, BOSS, role="coordinator")
    accounts_for(deps, ANA, OTTO, DEE, role="analyst")
    mail_prefs.set_choices(deps, actor, "otto", messages=False)
    reference.add_party(
        deps, actor, id="eu-maker", name="EU Maker", kind="downstream_maker", country="DE"
    )
    reference.add_party(
        deps, actor, id="cn-maker", name="CN Maker", kind="downstream_maker", country="CN"
    )
    case = open_case(deps, actor, details=DETAILS, members=["lead", "ana", "otto"])
    return str(case.key)


def _mails(smtp: Smtp) -> list[tuple[str, EmailMessage]]:
    return [
        (to, smtp.inbox.parsed(i))
        for i, (rcpts, _raw) in enumerate(smtp.inbox.messages)
        for to in rcpts
    ]


def _text(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _raw(smtp: Smtp) -> str:
    return b"".join(raw for _, raw in smtp.inbox.messages).decode("utf-8", "replace")


def _tags(deps: Deps, key: str) -> list[str]:
    with deps.uow() as uow:
        return [e.event.tag for e in uow.audit.for_object("case", key, 1000)]


def _texts(got: list[tuple[str, EmailMessage]], key: str, subject: str) -> list[tuple[str, str]]:
    """Each mail's plain text after checking what every coordination mail must be: the fixed
    subject, and a link to the case's coordination page for the desk's own people
    (example.org) or to the participant's portal for everyone else, never to the desk's page."""
    texts = []
    for to, msg in got:
        assert msg["Subject"] == f"[vulndesk] {key} {subject}"
        text = _text(msg)
        if to.endswith("example.org"):
            assert f"{PUBLIC_URL}/cases/{key}/coordination" in text
        else:
            assert f"{PUBLIC_URL}/shared/{key}" in text
            assert "/coordination" not in text
        texts.append((to, text))
    return texts


def test_thread_messages_are_mailed_to_the_right_people_and_coalesce(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    key = _case(deps, actor)
    supplier = participants.invite(
        deps, LEAD, key, "openssl", "upstream_supplier",
        ["Wang Fang <psirt@openssl.example>", "dev@openssl.example"],
    )  # fmt: skip
    participants.invite(deps, LEAD, key, "cn-maker", "downstream_maker", ["cert@cncert.example"])

    threads.post(deps, LEAD, key, "shared", f"Patch ready {SECRET}")
    worker.dispatch(deps, WORKER)
    got = _mails(smtp)
    # Every participant's people and the team but the author and who opted out.
    assert sorted(to for to, _ in got) == [
        "ana@example.org",
        "cert@cncert.example",
        "dev@openssl.example",
        "psirt@openssl.example",
    ]
    for _to, text in _texts(got, key, "new coordination message"):
        assert "shared thread" in text and "共享讨论" in text
    assert SECRET not in _raw(smtp) and "Patch" not in _raw(smtp)

    # Coalesced: two more shared messages before the worker runs make no new mail per person;
    # after it sent, the next message is mailed again.
    threads.post(deps, LEAD, key, "shared", "second")
    before = len(smtp.inbox.messages)
    threads.post(deps, LEAD, key, "shared", "third")
    threads.post(deps, LEAD, key, "shared", "fourth")
    worker.dispatch(deps, WORKER)
    assert len(smtp.inbox.messages) == before + 4
    assert worker.dispatch(desk.deps(), WORKER).sent == 0

    # A private thread written by the desk: that participant's people and the team only.
    smtp.inbox.messages.clear()
    threads.post(deps, LEAD, key, supplier.id, "just for you")
    worker.dispatch(deps, WORKER)
    got = _mails(smtp)
    assert sorted(to for to, _ in got) == [
        "ana@example.org",
        "dev@openssl.example",
        "psirt@openssl.example",
    ]
    assert f"private thread of participant {supplier.id}" in _text(got[0][1])
    tags = _tags(deps, key)
    assert tags.count("worker:coord:mailed") == 11


def test_a_message_from_a_participant_mails_the_team_only(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    from vulndesk.services.notify import coord_mail

    smtp.start()
    deps = desk.deps()
    key = _case(deps, actor)
    supplier = participants.invite(deps, LEAD, key, "openssl", "finder", ["a@openssl.example"])
    participants.invite(deps, LEAD, key, "cn-maker", "downstream_maker", ["cert@cncert.example"])
    with deps.uow() as uow:
        # What the participant portal calls in the transaction that stores the message.
        message = uow.coordination.add_message(key, supplier.id, "ext-wang", desk.clock.now(), "q")
        coord_mail.queue_message(
            uow, key, supplier.id, "ext-wang", message.id, desk.clock.now(),
            from_participant=supplier.id, text="q",
        )  # fmt: skip
        message = uow.coordination.add_message(key, None, "ext-wang", desk.clock.now(), "all")
        coord_mail.queue_message(
            uow, key, None, "ext-wang", message.id, desk.clock.now(),
            from_participant=supplier.id, text="all",
        )  # fmt: skip
        uow.commit()
    worker.dispatch(deps, WORKER)
    got = sorted(to for to, _ in _mails(smtp))
    # The private one: lead and ana; the shared one: lead, ana and the other participant.
    assert got == [
        "ana@example.org",
        "ana@example.org",
        "cert@cncert.example",
        "lead@example.org",
        "lead@example.org",
    ]


def test_a_break_mails_everyone_told_and_re_plans_the_case(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    key = _case(deps, actor)
    participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@openssl.example"])
    foreign = participants.invite(deps, LEAD, key, "eu-maker", "downstream_maker", ["b@eu.de"])
    # RMSV Art. 9(7) refuses the EU maker: its private thread cannot be posted in at all,
    # and a break tells (and mails) only those the guard lets through.
    with pytest.raises(GuardFailed, match=r"9\(7\)"):
        threads.post(deps, LEAD, key, foreign.id, "hello")
    embargo.propose(deps, LEAD, key, "2026-12-01T09:00", "Asia/Shanghai", "fix release")
    embargo.accept(deps, LEAD, key, "ok")
    step = embargo.record_break(
        deps, LEAD, key, f"https://blog.example/{SECRET}", "2026-11-02T00:30:00Z", "analyst"
    )
    assert [r.participant for r in step.refused] == [foreign.id]
    worker.dispatch(deps, WORKER)
    got = _mails(smtp)
    assert sorted(to for to, _ in got) == [
        "a@openssl.example",
        "ana@example.org",
        "lead@example.org",
    ]
    for _to, text in _texts(got, key, "embargo ended early"):
        assert "2026-11-02 08:30 CST (Asia/Shanghai, UTC+08:00)" in text  # seen, in its zone
        assert "2026-11-02 00:30 UTC" in text and "提前结束" in text
    assert SECRET not in _raw(smtp) and "blog.example" not in _raw(smtp)

    # Re-planned: publication is no longer held, the gate's embargo check passes, recorded.
    shown = embargo.show(deps, LEAD, key, "Europe/Berlin")
    assert shown.held_until_in_zone == "2026-12-01 09:00 CST (Asia/Shanghai, UTC+08:00)"
    assert shown.free_since_in_viewer_zone == "2026-11-02 02:00 CET (Europe/Berlin, UTC+01:00)"
    result = gate.check(deps, LEAD, gate.CheckRequest(key))
    held = next(c for c in result.checks if c.id == "coordinated-embargo-respected")
    assert held.result.value == "pass"
    with deps.uow() as uow:
        replanned = [
            e.event for e in uow.audit.for_object("case", key, 1000)
            if e.event.tag == "case:coord:replanned"
        ]  # fmt: skip
    assert len(replanned) == 1
    assert replanned[0].detail["held_until"] == "2026-12-01T01:00:00+00:00"


def test_reminders_before_the_embargo_ends_once_per_end_and_threshold(
    desk: Desk, smtp: Smtp, actor: Principal, clock: SettableClock
) -> None:
    smtp.start()
    deps = desk.deps()
    key = _case(deps, actor)
    participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@openssl.example"])
    # START is 2026-11-02 01:00 UTC; the embargo ends 2026-11-20 09:00 in Shanghai (01:00 UTC).
    embargo.propose(deps, LEAD, key, "2026-11-20T09:00", "Asia/Shanghai", "fix release")
    embargo.accept(deps, LEAD, key, "ok")

    def run() -> list[tuple[str, EmailMessage]]:
        smtp.inbox.messages.clear()
        worker.run_once(desk.deps(), WORKER)
        # The deadline sweep runs too and may escalate the case's clocks: not counted here.
        return [(to, m) for to, m in _mails(smtp) if "embargo" in str(m["Subject"])]

    assert run() == []  # 18 days before: nothing yet
    clock.set(dt.datetime(2026, 11, 13, 2, 0, tzinfo=dt.UTC))  # less than 7 days left
    got = run()
    assert sorted(to for to, _ in got) == [
        "a@openssl.example",
        "ana@example.org",
        "lead@example.org",
    ]
    for _to, text in _texts(got, key, "embargo ends soon"):
        assert "less than 7 days" in text and "7 天内" in text
        assert "2026-11-20 09:00 CST (Asia/Shanghai, UTC+08:00)" in text
        assert "2026-11-20 01:00 UTC (UTC, UTC+00:00)" in text
    assert run() == []  # once per end and threshold, however often the worker runs

    # An extension accepted re-arms the reminders for the new end.
    embargo.extend(deps, LEAD, key, "2026-11-30T09:00", "Asia/Shanghai", "more time")
    embargo.accept(deps, LEAD, key, "ok")
    assert run() == []  # 17 days before the new end
    clock.set(dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC))  # both 7 and 1 crossed: once
    got = run()
    assert len(got) == 3
    assert all("less than 1 day" in _text(m) for _, m in got)
    assert run() == []

    # A reminder queued but not sent before the embargo ends is not sent.
    embargo.extend(deps, LEAD, key, "2026-12-05T09:00", "Asia/Shanghai", "again")
    embargo.accept(deps, LEAD, key, "ok")
    clock.set(dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC))
    with desk.deps().uow() as uow:
        from vulndesk.services.notify import coord_mail

        assert coord_mail.queue_reminders(uow, CaseKey(key), clock.now()) == 3
        uow.commit()
    embargo.end_embargo(deps, LEAD, key, "published")
    assert run() == []
    assert _tags(deps, key).count("worker:coord:mail-skipped") == 3


def test_a_mention_mails_an_account_that_may_read_the_case(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    key = _case(deps, actor)
    participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@openssl.example"])
    # boss sees every case but is no member; otto is a member who turned message mail off;
    # dee may not see the case; nobody is named "ghost"; lead wrote it.
    threads.post(deps, LEAD, key, "shared", "@boss @otto, @dee and @ghost: see this (@lead)")
    worker.dispatch(deps, WORKER)
    got = {to: _text(m) for to, m in _mails(smtp)}
    assert sorted(got) == [
        "a@openssl.example",
        "ana@example.org",
        "boss@example.org",
        "otto@example.org",
    ]
    assert "You are mentioned" in got["boss@example.org"] and "提到了您" in got["otto@example.org"]
    assert "mentioned" not in got["ana@example.org"]
    assert "mentioned" not in got["a@openssl.example"]
    # Who is only mentioned is not mailed once they lose the case before the worker sends.
    smtp.inbox.messages.clear()
    threads.post(deps, LEAD, key, "shared", "again @boss")
    with deps.uow() as uow:
        assert uow.outbox.pending(f"coord.message/{key}/shared/a:boss/")
    users.grant(deps, actor, "boss", add=["analyst"], remove=["coordinator"])
    worker.dispatch(deps, WORKER)
    assert "boss@example.org" not in [to for to, _ in _mails(smtp)]
    assert "worker:coord:mail-skipped" in _tags(deps, key)

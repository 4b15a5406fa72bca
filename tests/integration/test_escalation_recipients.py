"""Escalations reach people: case members and the unit's on-call address, through the outbox.

A real SMTP server (aiosmtpd) and a real webhook receiver on loopback, on both engines.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.builders import open_case, seed_reference
from tests.conftest import TEST_KEYS
from tests.integration.test_notify_flow import Receiver, Smtp, hook, smtp
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import Timing
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import users as accounts
from vulndesk.services.background import worker
from vulndesk.services.background.ports import Escalation, OutboxStatus
from vulndesk.services.cases import reference
from vulndesk.services.context import Actor, Deps
from vulndesk.services.notify import escalations
from vulndesk.services.notify import notices as notifications

__all__ = ["hook", "smtp"]
WORKER = Actor("worker@test", "worker")
TITLE = "NIGHTJAR heap overflow in httpd"
ON_CALL = "oncall-cn@acme.example"


@dataclass
class Desk:
    settings: Settings
    clock: SettableClock
    containers: list[Container] = field(default_factory=list)

    def deps(self) -> Deps:
        """A new container on the same database: what a restarted process would see."""
        c = build(self.settings, self.clock)
        c.__dict__["passwords"] = Argon2Hasher(time_cost=1, memory_cost=1024)
        self.containers.append(c)
        return c.deps()


def desk_for(db_url: str, tmp_path: Path, clock: SettableClock, smtp: Smtp, **kw: Any) -> Desk:
    settings = Settings(
        home=tmp_path,
        database_url=db_url,
        keys_json=TEST_KEYS,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_sender="vulndesk@acme.example",
        **kw,
    )
    return Desk(settings, clock)


@pytest.fixture
def desk(db_url: str, tmp_path: Path, clock: SettableClock, smtp: Smtp) -> Iterator[Desk]:
    d = desk_for(db_url, tmp_path, clock, smtp)
    yield d
    for c in d.containers:
        c.close()


def _user(deps: Deps, actor: Principal, name: str, disabled: bool = False) -> None:
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024)
    accounts.add_user(
        deps, actor, hasher, name=name, email=f"{name}@acme.example", roles=["analyst"], unit="cn"
    )
    if disabled:
        accounts.grant(deps, actor, name, disabled=True)


def _first_deadline_at(deps: Deps, key: str, pct: int) -> dt.datetime:
    with deps.uow() as uow:
        obs = [
            o
            for o in uow.obligations.for_case(CaseKey(key))
            if o.obligation.timing is Timing.DEADLINE and o.due is not None
        ]
    first = min(obs, key=lambda o: o.due or dt.datetime.max.replace(tzinfo=dt.UTC))
    assert first.due is not None
    return worker.threshold_at(first.obligation.trigger_at, first.due, pct)


def _escalations(deps: Deps) -> list[Escalation]:
    with deps.uow() as uow:
        return uow.escalations.list(limit=1000)


def test_members_and_on_call_receive_each_escalation_once(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    seed_reference(deps, actor)
    _user(deps, actor, "alice")
    _user(deps, actor, "bob")
    _user(deps, actor, "gone", disabled=True)
    reference.set_unit_contact(
        deps,
        actor,
        "cn",
        reference.UnitContact(
            legal_name="Acme (Shenzhen) Technology Co., Ltd.",
            contact_person="Li Na",
            contact_email="psirt-cn@acme.example",
            contact_phone="+86 755 5555 0100",
            on_call_email=ON_CALL,
        ),
    )
    case = open_case(deps, actor, title=TITLE, members=["alice", "bob", "gone"])
    desk.clock.set(_first_deadline_at(deps, case.key, 50) + dt.timedelta(seconds=1))

    swept, sent = worker.run_once(deps, WORKER)
    assert swept.queued >= 1

    to = sorted(r for rcpts, _ in smtp.inbox.messages for r in rcpts)
    per_threshold = ["alice@acme.example", "bob@acme.example", ON_CALL]
    assert to == sorted(per_threshold * swept.queued)
    msg = smtp.inbox.parsed(0)
    assert msg["Subject"] == f"[vulndesk] {case.key} deadline escalation"
    (sender,) = msg["From"].addresses
    assert sender.display_name == "Acme (Shenzhen) Technology Co., Ltd. PSIRT"
    assert sender.addr_spec == "psirt-cn@acme.example"
    assert msg["Sender"] == "vulndesk@acme.example"
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert case.key in text and "50%" in text and "Obligation" in text
    raw = b"".join(raw for _, raw in smtp.inbox.messages).decode("utf-8", "replace")
    assert "NIGHTJAR" not in raw and "heap overflow" not in raw.lower()

    recorded = _escalations(deps)
    assert {e.status for e in recorded} == {escalations.DELIVERED}
    assert sorted(e.recipient or "" for e in recorded) == to
    assert {e.channel for e in recorded} == {"email"}
    assert sent.failed == 0 and sent.retried == 0

    # A restarted worker, and the sweep run again, send nothing twice.
    again = desk.deps()
    worker.run_once(again, WORKER)
    worker.sweep(again, WORKER)
    _, resent = worker.run_once(again, WORKER)
    assert resent.sent == 0
    assert len(smtp.inbox.messages) == len(to)
    assert len(_escalations(again)) == len(recorded)


def test_an_escalation_with_no_recipient_is_undeliverable_not_delivered(
    desk: Desk, smtp: Smtp, actor: Principal
) -> None:
    smtp.start()
    deps = desk.deps()
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    desk.clock.set(_first_deadline_at(deps, case.key, 50) + dt.timedelta(seconds=1))

    swept, sent = worker.run_once(deps, WORKER)
    assert swept.queued >= 1
    assert (sent.sent, sent.failed) == (0, swept.queued)
    assert smtp.inbox.messages == []
    recorded = _escalations(deps)
    assert len(recorded) == swept.queued
    assert {(e.status, e.recipient) for e in recorded} == {(escalations.UNDELIVERABLE, None)}
    with deps.uow() as uow:
        rows = uow.outbox.list(limit=100)
        tags = [e.event.tag for e in uow.audit.for_object("case", case.key, 1000)]
    assert {(m.status, m.last_error) for m in rows} == {
        (OutboxStatus.FAILED, "undeliverable: no recipient")
    }
    assert "worker:escalation:undeliverable" in tags
    assert "worker:escalation:delivered" not in tags
    # Not retried later either.
    desk.clock.advance(dt.timedelta(hours=7))
    assert worker.dispatch(deps, WORKER).claimed == 0


def test_on_call_webhook_is_signed_and_recorded(
    db_url: str, tmp_path: Path, clock: SettableClock, smtp: Smtp, hook: str, actor: Principal
) -> None:
    host = hook.split("/")[2]
    secret = b"telco-webhook-secret"  # the receiver in test_notify_flow checks this secret
    d = desk_for(
        db_url,
        tmp_path,
        clock,
        smtp,
        webhook_hosts=(host,),
        webhook_allow_loopback=True,
        webhook_secrets={"unit:cn": secret.decode()},
    )
    try:
        deps = d.deps()
        seed_reference(deps, actor)
        reference.set_unit_contact(deps, actor, "cn", reference.UnitContact(on_call_webhook=hook))
        case = open_case(deps, actor, title=TITLE)
        clock.set(_first_deadline_at(deps, case.key, 50) + dt.timedelta(seconds=1))
        Receiver.now = clock.now()
        swept, sent = worker.run_once(deps, WORKER)
        recorded = _escalations(deps)
    finally:
        for c in d.containers:
            c.close()
    assert sent.failed == 0 and swept.queued >= 1
    assert len(Receiver.received) == swept.queued
    ok, body = Receiver.received[0]
    assert ok
    doc = json.loads(body)
    assert doc["case"] == case.key and doc["event"] == "escalation" and doc["threshold"] == 50
    assert "NIGHTJAR" not in body.decode()
    assert doc["delivery"].startswith(f"{case.key}/") and "/to/webhook/" in doc["delivery"]
    assert {(e.channel, e.recipient, e.status) for e in recorded} == {
        ("webhook", hook, "delivered")
    }


def test_notice_mail_is_from_the_reporting_entity(desk: Desk, smtp: Smtp, actor: Principal) -> None:
    smtp.start()
    deps = desk.deps()
    seed_reference(deps, actor)
    reference.set_unit_contact(
        deps,
        actor,
        "cn",
        reference.UnitContact(
            legal_name='Acme "Shenzhen" <x@evil.example>', contact_email="psirt-cn@acme.example"
        ),
    )
    case = open_case(deps, actor, upstream_component=True)
    notifications.send(deps, actor, case.key, kind="upstream")
    worker.run_once(deps, WORKER)
    (rcpts, raw) = smtp.inbox.messages[0]
    assert rcpts == ["sec@openssl.example"]
    msg = smtp.inbox.parsed(0)
    (sender,) = msg["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Acme Shenzhen x evil.example PSIRT",
        "psirt-cn@acme.example",
    )
    head = raw.split(b"\r\n\r\n")[0].decode()
    assert "x@evil.example" not in head and '"Shenzhen"' not in head

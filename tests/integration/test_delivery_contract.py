"""The delivery contract (decision 0021) through the real worker, real adapters and a real SMTP
server: a refusal is attempted once and recorded as refused; a failure that may pass is retried
with backoff; each container dispatches through its own handlers."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.builders import open_case, seed_reference
from tests.conftest import TEST_KEYS
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.services.background import worker
from vulndesk.services.background.ports import OutboxMessage, OutboxStatus
from vulndesk.services.context import Actor, Deps
from vulndesk.services.notify import escalations

WORKER = Actor("worker@contract", "worker")


@dataclass
class Relay:
    """An SMTP server that answers each RCPT TO with the code set for that address."""

    answers: dict[str, str] = field(default_factory=dict)
    attempts: list[str] = field(default_factory=list)
    delivered: list[list[str]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.attempts.append(address)
        answer = self.answers.get(address, "250 OK")
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return answer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.delivered.append(list(envelope.rcpt_tos))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd's readiness probe cannot use port 0
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler, port = Relay(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def made(db_url: str, tmp_path: Path, clock: SettableClock) -> Iterator[list[Container]]:
    containers: list[Container] = []
    yield containers
    for c in containers:
        c.close()


def _container(
    made: list[Container], db_url: str, tmp_path: Path, clock: SettableClock, smtp_port: int
) -> Container:
    settings = Settings(
        home=tmp_path, database_url=db_url, keys_json=TEST_KEYS, smtp_host="127.0.0.1",
        smtp_port=smtp_port, smtp_sender="psirt@acme.example",
    )  # fmt: skip
    c = build(settings, clock)
    made.append(c)
    return c


def _queue(deps: Deps, actor: Actor, channel: str, to: str) -> str:
    """One per-recipient escalation row, as `escalations.fan_out` queues it."""
    seed_reference(deps, actor)
    case = open_case(deps, actor).key
    now = deps.clock.now()
    payload = {
        "case": case, "obligation": "cn-rmsv-2021/report", "threshold": 50, "to": to,
        "due_at": (now + dt.timedelta(days=2)).isoformat(), "channel": channel, "who": "on-call",
    }  # fmt: skip
    kind = escalations.MAIL if channel == "email" else escalations.WEBHOOK
    key = f"{case}/contract/{channel}/{to}"
    with deps.uow() as uow:
        assert uow.outbox.enqueue(kind, key, payload, now)
        uow.commit()
    return key


def _row(deps: Deps, key: str) -> OutboxMessage:
    with deps.uow() as uow:
        (row,) = [m for m in uow.outbox.list(limit=100) if m.dedupe_key == key]
    return row


def test_a_refused_egress_is_attempted_once_and_recorded_as_refused(
    made: list[Container], db_url: str, tmp_path: Path, clock: SettableClock, actor: Actor
) -> None:
    # No VULNDESK_WEBHOOK_HOSTS: every webhook host is refused before any connection.
    deps = _container(made, db_url, tmp_path, clock, _free_port()).deps()
    key = _queue(deps, actor, "webhook", "https://hooks.acme.example/on-call")

    report = worker.dispatch(deps, WORKER)
    assert (report.claimed, report.sent, report.retried, report.failed) == (1, 0, 0, 1)
    row = _row(deps, key)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert (row.last_error or "").startswith("refused: ")
    assert "VULNDESK_WEBHOOK_HOSTS" in (row.last_error or "")
    clock.advance(dt.timedelta(days=2))  # past every backoff: still never tried again
    assert worker.dispatch(deps, WORKER).claimed == 0
    assert _row(deps, key).attempts == 1


def test_a_recipient_the_server_refuses_for_good_is_not_retried(
    made: list[Container],
    db_url: str,
    tmp_path: Path,
    clock: SettableClock,
    actor: Actor,
    relay: tuple[Relay, int],
) -> None:
    server, port = relay
    server.answers["gone@bank.example"] = "550 5.1.1 no such mailbox"
    deps = _container(made, db_url, tmp_path, clock, port).deps()
    key = _queue(deps, actor, "email", "gone@bank.example")

    assert worker.dispatch(deps, WORKER).failed == 1
    row = _row(deps, key)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert (row.last_error or "").startswith("refused: ") and "550" in (row.last_error or "")
    clock.advance(dt.timedelta(days=2))
    assert worker.dispatch(deps, WORKER).claimed == 0
    assert server.attempts == ["gone@bank.example"] and server.delivered == []


def test_a_transient_refusal_is_retried_with_backoff_then_delivered(
    made: list[Container],
    db_url: str,
    tmp_path: Path,
    clock: SettableClock,
    actor: Actor,
    relay: tuple[Relay, int],
) -> None:
    server, port = relay
    server.answers["busy@bank.example"] = "451 4.3.2 try again later"
    deps = _container(made, db_url, tmp_path, clock, port).deps()
    key = _queue(deps, actor, "email", "busy@bank.example")

    assert worker.dispatch(deps, WORKER).retried == 1
    row = _row(deps, key)
    assert row.status is OutboxStatus.PENDING and "451" in (row.last_error or "")
    assert row.next_attempt_at == clock.now() + worker.backoff(1)
    assert worker.dispatch(deps, WORKER).claimed == 0  # still backing off

    clock.advance(worker.backoff(1))
    assert worker.dispatch(deps, WORKER).retried == 1  # the second failure waits twice as long
    assert _row(deps, key).next_attempt_at == clock.now() + worker.backoff(2)
    assert worker.backoff(2) == 2 * worker.backoff(1)

    del server.answers["busy@bank.example"]
    clock.advance(worker.backoff(2))
    assert worker.dispatch(deps, WORKER).sent == 1
    assert _row(deps, key).status is OutboxStatus.SENT
    assert server.delivered == [["busy@bank.example"]]


def test_each_container_dispatches_through_its_own_handlers(
    made: list[Container],
    db_url: str,
    tmp_path: Path,
    clock: SettableClock,
    actor: Actor,
    relay: tuple[Relay, int],
) -> None:
    server, port = relay
    first = _container(made, db_url, tmp_path, clock, port)
    # A second container in the same process, whose relay is down, must not take over.
    _container(made, db_url, tmp_path, clock, _free_port())
    deps = first.deps()
    _queue(deps, actor, "email", "ops@bank.example")

    assert worker.dispatch(deps, WORKER).sent == 1
    assert server.delivered == [["ops@bank.example"]]

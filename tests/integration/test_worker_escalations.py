"""The deadline worker on both engines: escalations once each, catch-up, overdue, leases."""

from __future__ import annotations

import datetime as dt
import threading

from tests.builders import open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container, build
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus, Timing
from vulndesk.services.background import worker
from vulndesk.services.background.ports import OutboxStatus
from vulndesk.services.context import Actor, Deps

W1 = Actor("worker-1", "worker")
W2 = Actor("worker-2", "worker")


def _deadlines(deps: Deps, key: CaseKey) -> list[CaseObligation]:
    with deps.uow() as uow:
        obs = uow.obligations.for_case(key)
    return [o for o in obs if o.obligation.timing is Timing.DEADLINE and o.due is not None]


def _due(o: CaseObligation) -> dt.datetime:
    assert o.due is not None
    return o.due


def _at(o: CaseObligation, pct: int) -> dt.datetime:
    return worker.threshold_at(o.obligation.trigger_at, _due(o), pct)


def _queued(deps: Deps) -> list[str]:
    with deps.uow() as uow:
        return sorted(m.dedupe_key for m in uow.outbox.list(limit=1000))


def _expected(obs: list[CaseObligation], now: dt.datetime) -> list[str]:
    return sorted(
        f"{o.case}/{o.id}/{_due(o).astimezone(dt.UTC).isoformat()}/{p}"
        for o in obs
        for p in worker.THRESHOLDS
        if _at(o, p) <= now
    )


def test_thresholds_queue_once_each(deps: Deps, actor: Actor, clock: SettableClock) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    obs = _deadlines(deps, case.key)
    assert obs, "the seeded case must carry deadlines"
    first = min(obs, key=_due)
    assert worker.sweep(deps, W1).queued == 0
    for pct in worker.THRESHOLDS:
        clock.set(_at(first, pct) + dt.timedelta(seconds=1))
        worker.sweep(deps, W1)
        worker.sweep(deps, W1)
        assert _queued(deps) == _expected(obs, clock.now())
    assert sum(k.startswith(f"{case.key}/{first.id}/") for k in _queued(deps)) == 3


def test_restart_and_catch_up_queue_nothing_twice(
    container: Container, deps: Deps, actor: Actor, clock: SettableClock
) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    obs = _deadlines(deps, case.key)
    first = min(obs, key=_due)
    clock.set(_at(first, 60))
    worker.run_once(deps, W1)
    before = _queued(deps)
    # A new worker process on the same database after a long outage.
    fresh = build(container.settings, clock)
    try:
        clock.set(_at(first, 100) + dt.timedelta(hours=1))
        report, sent = worker.run_once(fresh.deps(), W2)
        after = _queued(deps)
        assert set(before) <= set(after)
        assert after == _expected(obs, clock.now())
        assert len(after) == len(set(after))
        assert f"{case.key}/{first.id}/{_due(first).astimezone(dt.UTC).isoformat()}/80" in after
        assert report.queued == len(after) - len(before)
        # No member and no on-call address: each is handled once, as undeliverable.
        assert (sent.sent, sent.failed) == (0, report.queued)
    finally:
        fresh.close()
    with deps.uow() as uow:
        delivered = sorted(e.dedupe_key for e in uow.escalations.list(limit=1000))
    assert delivered == after


def test_overdue_marking_is_audited(deps: Deps, actor: Actor, clock: SettableClock) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    obs = _deadlines(deps, case.key)
    first = min(obs, key=_due)
    clock.set(_due(first) + dt.timedelta(minutes=1))
    report = worker.sweep(deps, W1)
    assert report.overdue >= 1
    with deps.uow() as uow:
        stored = {o.id: o for o in uow.obligations.for_case(case.key)}
        events = uow.audit.for_object("case", case.key)
    assert stored[first.id].status is ObligationStatus.OVERDUE
    assert any(e.event.tag == "worker:obligation:overdue" for e in events)
    assert worker.sweep(deps, W1).overdue == 0


def test_lease_expiry_reclaims_a_crashed_workers_row(
    deps: Deps, actor: Actor, clock: SettableClock
) -> None:
    now = clock.now()
    with deps.uow() as uow:
        uow.outbox.enqueue(
            "escalation",
            "VD-X/o/1/50",
            {"case": "VD-X", "obligation": "o", "due_at": now.isoformat(), "threshold": 50},
            now,
        )
        uow.commit()
        # worker-1 claims and dies before completing.
    with deps.uow() as uow:
        assert len(uow.outbox.claim(W1.name, now, now + dt.timedelta(minutes=5), 10)) == 1
        uow.commit()
    assert worker.dispatch(deps, W2).claimed == 0
    clock.advance(dt.timedelta(minutes=6))
    # VD-X does not exist, so it has no recipient: handled once, recorded as undeliverable.
    assert worker.dispatch(deps, W2).failed == 1
    with deps.uow() as uow:
        assert uow.outbox.lock_claimed(1, W1.name) is None
        [msg] = uow.outbox.list()
        assert (msg.status, msg.attempts) == (OutboxStatus.FAILED, 2)
        assert [e.status for e in uow.escalations.list()] == ["undeliverable: no recipient"]


def test_failing_handler_backs_off_then_fails(deps: Deps, clock: SettableClock) -> None:
    now = clock.now()
    with deps.uow() as uow:
        uow.outbox.enqueue("mail", "m/1", {}, now)
        uow.commit()

    def broken(*_: object) -> None:
        raise RuntimeError("smtp down")

    handlers = {"mail": broken}
    assert worker.dispatch(deps, W1, handlers, max_attempts=2).retried == 1
    assert worker.dispatch(deps, W1, handlers, max_attempts=2).claimed == 0
    clock.advance(worker.backoff(1) + dt.timedelta(seconds=1))
    assert worker.dispatch(deps, W1, handlers, max_attempts=2).failed == 1
    with deps.uow() as uow:
        [msg] = uow.outbox.list()
    assert msg.status is OutboxStatus.FAILED
    assert msg.last_error == "RuntimeError: smtp down"


def test_two_workers_share_the_outbox_without_doubling(
    container: Container, deps: Deps, clock: SettableClock
) -> None:
    now = clock.now()
    keys = [f"VD-{n}/o/{now.isoformat()}/50" for n in range(60)]
    with deps.uow() as uow:
        for n, key in enumerate(keys):
            payload = {
                "case": f"VD-{n}",
                "obligation": "o",
                "due_at": now.isoformat(),
                "threshold": 50,
            }
            uow.outbox.enqueue("escalation", key, payload, now)
        uow.commit()
    sent: dict[str, int] = {}
    errors: list[BaseException] = []

    def loop(name: str) -> None:
        c = build(container.settings, clock)
        try:
            while (r := worker.dispatch(c.deps(), Actor(name, "worker"), batch=5)).claimed:
                sent[name] = sent.get(name, 0) + r.sent + r.failed
        except BaseException as exc:  # noqa: BLE001 - surfaced in the main thread
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=loop, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    # A delivery that lost a race for the audit chain is retried after its backoff.
    clock.advance(dt.timedelta(hours=1))
    while (r := worker.dispatch(deps, W1)).claimed:
        sent["w"] = sent.get("w", 0) + r.sent + r.failed
    # Handled once each (the cases do not exist: no recipient, so each is undeliverable).
    assert sum(sent.values()) == len(keys)
    with deps.uow() as uow:
        delivered = sorted(e.dedupe_key for e in uow.escalations.list(limit=1000))
        statuses = {m.status for m in uow.outbox.list(limit=1000)}
    assert delivered == sorted(keys)
    assert statuses == {OutboxStatus.FAILED}

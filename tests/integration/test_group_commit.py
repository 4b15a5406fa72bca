"""Group commit on both engines: shared transactions, savepoint isolation, and idempotency."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from fastapi import HTTPException

from tests.builders import as_person, statements_sent
from tests.waiting import MEET, until
from vulndesk.adapters.storage.group_commit import _Item
from vulndesk.adapters.storage.shared import SqlSharedTransactions
from vulndesk.adapters.storage.uow import SqlUnitOfWork
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ids import UnitId
from vulndesk.entrypoints.api.idempotency import run_idempotent
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps, joined, run_joined
from vulndesk.services.ports import UnitOfWork

ACTOR = as_person("coordinator", "test")


class GroupCommit:
    """One process's group commit (`SqlSharedTransactions`), running use cases on Deps as
    `services.context.run_joined` does; `uow` opens its units of work (default: the
    container's)."""

    def __init__(
        self, container: Container, uow: Callable[[], SqlUnitOfWork] | None = None
    ) -> None:
        self.shared = SqlSharedTransactions(
            uow or container.uow, lambda: container.uow(readonly=True)
        )
        self.deps = replace(container.deps(), shared=self.shared)
        self.commit = self.shared.group

    def run(self, work: Callable[[Deps], Any]) -> Any:
        return run_joined(self.deps, work)

    def piece(self, work: Callable[[Deps], Any]) -> Callable[[UnitOfWork], Any]:
        return lambda uow: work(joined(self.deps, uow))

    @property
    def waiting(self) -> int:
        return self.commit.waiting

    @property
    def batches(self) -> int:
        return self.commit.batches

    @property
    def items(self) -> int:
        return self.commit.items


def _unit(i: int) -> Callable[[Deps], str]:
    def work(deps: Deps) -> str:
        unit = reference.add_unit(
            deps, ACTOR, id=f"u{i}", name=f"Unit {i}", country="CN", timezone="Asia/Shanghai"
        )
        return str(unit.id)

    return work


def _held_batch(group: GroupCommit, works: list[Callable[[Deps], Any]]) -> list[Any]:
    """Run `works` from one thread each, all queued behind a first piece of work that waits
    until they are, so they share one transaction. Returns each result or exception."""
    return _held(group, [functools.partial(group.run, w) for w in works])


def _held(group: GroupCommit, calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call (which runs one piece of work through `group`) from its own thread, queued
    behind a gate so that all of them land in one batch."""
    release, entered = threading.Event(), threading.Event()

    def gate(deps: Deps) -> str:
        entered.set()
        release.wait(MEET)
        return "gate"

    out: list[Any] = [None] * len(calls)

    def call(i: int, fn: Callable[[], Any]) -> None:
        try:
            out[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the caller's own error, for the assertions
            out[i] = exc

    first = threading.Thread(target=group.run, args=(gate,))
    first.start()
    # The gate runs once its leader has taken it into a batch: the queue is empty again.
    assert entered.wait(MEET), "the gate's batch did not begin"
    threads = [threading.Thread(target=call, args=(i, f)) for i, f in enumerate(calls)]
    for t in threads:
        t.start()
    until(lambda: group.waiting >= len(calls), "every call queued behind the gate")
    assert group.waiting == len(calls)
    release.set()
    for t in [first, *threads]:
        t.join(30)
    return out


def _item_savepoints(statements: list[str]) -> list[str]:
    """The savepoints group commit opens for pieces of work (repositories open their own)."""
    return [s for s in statements if s.strip() == "SAVEPOINT vd_item"]


def test_concurrent_work_shares_commits_and_all_of_it_is_kept(container: Container) -> None:
    group = GroupCommit(container)
    with statements_sent(container.engine) as sent:
        results = _held_batch(group, [_unit(i) for i in range(8)])
    assert results == [f"u{i}" for i in range(8)]
    assert _item_savepoints(sent) == []  # nothing failed: no piece needed its own savepoint
    assert (group.batches, group.items) == (2, 9)  # the gate alone, then the eight together
    with container.uow() as uow:
        assert sorted(str(u.id) for u in uow.units.list()) == sorted(results)
    assert audit_tools.verify(container.deps()).ok


def test_a_failing_piece_is_undone_alone(container: Container) -> None:
    group = GroupCommit(container)

    def fails_after_writing(deps: Deps) -> str:
        _unit(99)(deps)  # written, and audited, then undone with its savepoint
        raise InvalidInput("name", "refused late", "anything")

    def bad_input(deps: Deps) -> str:
        unit = reference.add_unit(
            deps, ACTOR, id="bad", name="", country="CN", timezone="Asia/Shanghai"
        )
        return str(unit.id)

    with statements_sent(container.engine) as sent:
        batch = [_unit(1), fails_after_writing, _unit(2), bad_input, _unit(3)]
        results = _held_batch(group, batch)
    # The first failure undid the batch's transaction; it ran again, each piece in a savepoint.
    assert len(_item_savepoints(sent)) == len(batch)
    assert (group.batches, group.items) == (2, 1 + len(batch))
    assert results[0] == "u1" and results[2] == "u2" and results[4] == "u3"
    assert isinstance(results[1], InvalidInput) and results[1].problem == "refused late"
    assert isinstance(results[3], InvalidInput) and results[3].field == "name"
    with container.uow() as uow:
        assert sorted(str(u.id) for u in uow.units.list()) == ["u1", "u2", "u3"]
        with pytest.raises(NotFound):
            uow.units.get(UnitId("u99"))
    verdict = audit_tools.verify(container.deps())
    assert verdict.ok
    with container.uow() as uow:
        tags = [e.event.object_id for e in uow.audit.events()]
    assert "u99" not in tags and {"u1", "u2", "u3"} <= set(tags)


def _one_batch(group: GroupCommit, works: list[Callable[[Deps], Any]]) -> list[Any]:
    """`works` as one batch, run by this thread as its leader: each result or exception."""
    items = [_Item(group.piece(w)) for w in works]
    group.commit._queue.extend(items)
    group.commit._commit([])
    assert all(item.done for item in items)
    return [item.error or item.result for item in items]


def test_after_a_failure_batches_start_with_savepoints_until_one_has_none(
    container: Container,
) -> None:
    group = GroupCommit(container)
    runs: list[str] = []

    def refused(deps: Deps) -> str:
        runs.append("refused")
        raise InvalidInput("rate", "over the limit", "wait")

    with statements_sent(container.engine) as sent:
        first = _one_batch(group, [_unit(1), refused, _unit(2)])
    assert first[0] == "u1" and isinstance(first[1], InvalidInput) and first[2] == "u2"
    assert (len(runs), len(_item_savepoints(sent))) == (
        2,
        3,
    )  # run without savepoints, then again with them
    with statements_sent(container.engine) as sent:
        second = _one_batch(group, [_unit(3), refused, _unit(4)])
    assert second[0] == "u3" and isinstance(second[1], InvalidInput) and second[2] == "u4"
    assert (len(runs), len(_item_savepoints(sent))) == (
        3,
        3,
    )  # started with savepoints: nothing ran twice
    with statements_sent(container.engine) as sent:
        assert _one_batch(group, [_unit(5), _unit(6)]) == ["u5", "u6"]
    assert (
        len(_item_savepoints(sent)) == 2
    )  # still with savepoints; this batch failed nowhere, so ...
    with statements_sent(container.engine) as sent:
        assert _one_batch(group, [_unit(7), _unit(8)]) == ["u7", "u8"]
    assert _item_savepoints(sent) == []  # ... the next runs without them again
    with container.uow() as uow:
        assert len(uow.units.list()) == 8
    assert audit_tools.verify(container.deps()).ok


def test_twins_with_one_idempotency_key_in_one_batch_create_once(container: Container) -> None:
    group = GroupCommit(container)
    made: list[str] = []

    def create(deps: Deps) -> tuple[int, dict[str, Any]]:
        made.append(_unit(len(made))(deps))
        return 201, {"unit": made[-1]}

    def twin(digest: str) -> Callable[[], Any]:
        return lambda: run_idempotent(
            container, "public:k", "key-1", digest, create, grouped=True, deps=group.deps
        )

    # Both in one transaction: the second sees the first's key row and replays its answer;
    # the third used the key with another body and is refused.
    first, second, other = _held(group, [twin("d1"), twin("d1"), twin("d2")])
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.body == second.body
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert isinstance(other, HTTPException) and other.status_code == 422
    assert made == ["u0"]
    with container.uow() as uow:
        assert [str(u.id) for u in uow.units.list()] == ["u0"]


@pytest.mark.parametrize("second_grouped", [True, False], ids=["grouped", "alone"])
def test_twins_in_two_processes_create_once(container: Container, second_grouped: bool) -> None:
    """Two processes' group commits (or one and a request with its own transaction, as the
    web form's) with one key: one unit is created and the second request replays it.

    Group commits take turns, so the second waits for the first's commit. On PostgreSQL a
    request alone locks only its key, which the group commit (holding its turn) did not: it
    does the work, loses on the key's primary key when the first commits, rolls back, and
    replays."""
    first_group, second_group = GroupCommit(container), GroupCommit(container)
    made: list[str] = []
    inside, go_on = threading.Event(), threading.Event()

    def create(deps: Deps) -> tuple[int, dict[str, Any]]:
        made.append(_unit(len(made))(deps))
        inside.set()
        go_on.wait(30)  # the transaction stays open while the twin arrives
        return 201, {"unit": made[-1]}

    out: dict[str, Any] = {}

    def first() -> None:
        out["first"] = run_idempotent(
            container, "public:k", "k2", "d", create, grouped=True, deps=first_group.deps
        )

    def second() -> None:
        out["second"] = run_idempotent(
            container, "public:k", "k2", "d", create, grouped=second_grouped, deps=second_group.deps
        )

    a = threading.Thread(target=first)
    a.start()
    assert inside.wait(30)
    b = threading.Thread(target=second)
    b.start()
    b.join(0.5)
    assert b.is_alive(), "the twin waits for the first transaction"
    go_on.set()
    a.join(30)
    b.join(30)
    assert out["first"].status_code == out["second"].status_code == 201
    assert out["second"].headers["Idempotent-Replayed"] == "true"
    assert out["first"].body == out["second"].body
    with container.uow() as uow:
        assert [str(u.id) for u in uow.units.list()] == ["u0"]
    if second_grouped or container.engine.dialect.name == "sqlite":
        assert made == ["u0"]  # the twin waited: the work ran once
    else:
        assert made == ["u0", "u1"]  # the twin's own work was undone


def test_work_queued_while_the_leader_waits_for_the_database_joins_its_batch(
    container: Container,
) -> None:
    # The leader waits for the writer lock (another process's commit) before it takes its
    # batch: whatever queued meanwhile shares that transaction instead of waiting a round.
    locked = threading.Event()
    entering = threading.Event()

    def uow_after_lock() -> Any:
        entering.set()
        assert locked.wait(30)
        return container.uow()

    group = GroupCommit(container, uow_after_lock)
    leader = threading.Thread(target=group.run, args=(_unit(0),))
    leader.start()
    assert entering.wait(30)
    others = [threading.Thread(target=group.run, args=(_unit(i),)) for i in (1, 2, 3)]
    for t in others:
        t.start()
    until(lambda: group.waiting >= 4, "four pieces of work queued")
    assert group.waiting == 4  # the leader's own work too: nothing is taken before the lock
    locked.set()
    for t in [leader, *others]:
        t.join(30)
    assert (group.batches, group.items) == (1, 4)
    with container.uow() as uow:
        assert sorted(str(u.id) for u in uow.units.list()) == ["u0", "u1", "u2", "u3"]


def test_a_transaction_that_cannot_begin_fails_its_batch_and_the_next_leader_goes_on(
    container: Container,
) -> None:
    broken = [True]

    def uow_or_fail() -> Any:
        if broken.pop() if broken else False:
            raise RuntimeError("database unavailable")
        return container.uow()

    group = GroupCommit(container, uow_or_fail)
    with pytest.raises(RuntimeError, match="database unavailable"):
        group.run(_unit(0))
    assert group.waiting == 0 and group.run(_unit(1)) == "u1"
    with container.uow() as uow:
        assert [str(u.id) for u in uow.units.list()] == ["u1"]


def test_a_leader_waiting_for_another_writer_takes_what_queued_meanwhile(
    container: Container,
) -> None:
    # Another transaction has its turn to write (on SQLite its BEGIN IMMEDIATE holds the writer
    # lock; on PostgreSQL it holds the group-commit advisory lock): the leader waits for it,
    # and work that queues meanwhile goes into the leader's batch.
    group = GroupCommit(container)
    with container.uow() as holder:
        holder.wait_turn()
        threads = [threading.Thread(target=group.run, args=(_unit(0),))]
        threads[0].start()
        until(lambda: group.waiting >= 1, "the leader queued and waits for its turn")
        threads += [threading.Thread(target=group.run, args=(_unit(i),)) for i in (1, 2, 3)]
        for t in threads[1:]:
            t.start()
        until(lambda: group.waiting >= 4, "four pieces of work queued")
        assert group.waiting == 4 and group.batches == 0
    for t in threads:
        t.join(30)
    assert (group.batches, group.items) == (1, 4)
    with container.uow() as uow:
        assert sorted(str(u.id) for u in uow.units.list()) == ["u0", "u1", "u2", "u3"]

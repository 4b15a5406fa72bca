"""Group commit: units of work from many threads share one transaction and one durable commit.

A durable commit waits for the disk (an fsync of SQLite's WAL or PostgreSQL's log), and on
SQLite the writer lock is held while it waits, so one commit per request caps a server at a
few hundred writes per second whatever its CPUs do. Here each caller queues its work; the
first caller to find nobody committing becomes the leader and begins one transaction. Once
that has its turn to write (SQLite's writer lock, or on PostgreSQL an advisory lock; another
process's commit may hold it first), the leader takes every queued piece of work, including
what arrived while it waited, runs them one after another, and commits once. A piece of work
that raises undoes that transaction; the batch then runs again with each piece in its own
savepoint, so the failing piece is rolled back alone and its caller gets the exception while
the others are kept. Work may therefore run twice, and must have no effect outside the
transaction (mail, files) that its second run would repeat. Nobody is answered before the
shared commit has returned, so an acknowledged request is as durable as with its own commit,
and a failed commit fails every caller in it.

Leadership passes to the oldest waiting caller after each batch, so no thread serves others'
work for long while its own caller waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from vulndesk.adapters.storage.joined import read_once
from vulndesk.adapters.storage.uow import SqlUnitOfWork
from vulndesk.services.ports import UnitOfWork

T = TypeVar("T")

MAX_BATCH = 64


@dataclass(eq=False)
class _Item(Generic[T]):
    work: Callable[[UnitOfWork], T]
    wake: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """Runs `work(uow)` in a transaction shared with concurrent callers; see the module."""

    def __init__(self, uow: Callable[[], SqlUnitOfWork], max_batch: int = MAX_BATCH) -> None:
        self._uow = uow
        self._max = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Item[Any]] = []
        self._leading = False
        self.batches = 0  # commits made: with `items`, shows how well work is grouped
        self.items = 0
        self._isolating = False  # the last batch had a failure: start the next with savepoints

    @property
    def waiting(self) -> int:
        """Pieces of work queued for the next transaction."""
        with self._lock:
            return len(self._queue)

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        """The result of `work`, once the transaction it ran in has committed; or its error.

        `work` gets a unit of work that joins the shared transaction: its `commit()` does
        nothing, and whatever it writes is kept only if `work` returns normally. It runs
        a second time when another piece of work in its batch fails (see the module).
        """
        item: _Item[T] = _Item(work)
        with self._lock:
            self._queue.append(item)
            if not self._leading:
                self._leading = item.leads = True
        while not item.done:
            if item.leads:
                item.leads = False
                self._lead()
            else:
                item.wake.wait()
                item.wake.clear()
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[no-any-return]

    def _lead(self) -> None:
        batch: list[_Item[Any]] = []
        try:
            self._commit(batch)
        finally:
            with self._lock:
                if not batch:  # the leader stopped before it took a batch (KeyboardInterrupt)
                    batch, self._queue[: self._max] = self._queue[: self._max], []
                for item in batch:
                    if not item.done:  # the transaction itself failed before answering
                        item.error = item.error or RuntimeError("the shared transaction failed")
                        item.done = True
                    item.wake.set()
                if self._queue:
                    successor = self._queue[0]
                    successor.leads = True
                    successor.wake.set()
                else:
                    self._leading = False

    def _take(self, batch: list[_Item[Any]]) -> None:
        """Move the queue's head into `batch`: called once the transaction holds its locks, so
        work that arrived while the leader waited for them (another process's commit) joins."""
        with self._lock:
            batch[:], self._queue[: self._max] = self._queue[: self._max], []

    def _commit(self, batch: list[_Item[Any]]) -> None:
        results: list[tuple[_Item[Any], Any, BaseException | None]] = []
        try:
            # Most batches fail nowhere: they run without savepoints (two statements less per
            # piece of work). If a piece raises, that transaction is rolled back and the whole
            # batch runs again, each piece in its own savepoint. After a batch with a failure
            # the next ones start with savepoints, until one has none: a client whose every
            # request fails (over its rate, say) does not make every batch run twice.
            failed = None
            if not self._isolating:
                failed = self._attempt(batch, results, isolated=False)
            if failed is not None and len(batch) == 1:
                results[:] = [(batch[0], None, failed)]  # alone: its error undoes it anyway
            elif failed is not None or self._isolating:
                results.clear()
                self._attempt(batch, results, isolated=True)
            self._isolating = failed is not None or any(e is not None for _i, _r, e in results)
        except Exception as exc:  # noqa: BLE001 - nothing was kept: every caller re-raises it
            if not batch:  # the transaction never began: the queue's head fails with it
                self._take(batch)
            for item in batch:
                item.error, item.done = exc, True
            return
        self.batches += 1
        self.items += len(batch)
        for item, result, error in results:
            item.result, item.error, item.done = result, error, True

    def _attempt(
        self,
        batch: list[_Item[Any]],
        results: list[tuple[_Item[Any], Any, BaseException | None]],
        *,
        isolated: bool,
    ) -> BaseException | None:
        """One transaction over the batch (taken from the queue if `batch` is empty). Not
        isolated: the first error stops it, uncommitted, and is returned. Isolated: each piece
        runs in a savepoint, its error is its result, and the rest is committed."""
        with self._uow() as uow:
            uow.wait_turn()  # PostgreSQL: as SQLite's BEGIN IMMEDIATE, queue for writing
            if not batch:
                self._take(batch)
            shared = read_once(uow)
            for item in batch:
                try:
                    if not isolated:
                        results.append((item, item.work(shared), None))
                        continue
                    with uow.savepoint():
                        results.append((item, item.work(shared), None))
                except Exception as exc:  # noqa: BLE001 - re-raised in its caller's thread
                    if not isolated:
                        return exc  # leaving without commit rolls back
                    results.append((item, None, exc))
            uow.commit()
        return None

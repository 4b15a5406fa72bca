"""The SharedTransactions port over SQL storage: where the intake's speed machinery lives.

Group commit (`group_commit.py`), the joined, read-once and reference-cached views of a unit
of work (`joined.py`), the reference version and the savepoints and write turns of the SQL
unit of work are reached only through this adapter; the audit chain's guessed head stays
inside `SqlAuditLog`. Use cases see `run`, `planning` and `unchanged` (services/ports.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TypeVar

from vulndesk.adapters.storage.group_commit import GroupCommit
from vulndesk.adapters.storage.joined import ReferenceCache, innermost, read_once
from vulndesk.adapters.storage.uow import SqlUnitOfWork
from vulndesk.services.ports import Planning, UnitOfWork

T = TypeVar("T")


class SqlSharedTransactions:
    """Shared and planned transactions for one process; see `services.ports.SharedTransactions`."""

    def __init__(
        self, uow: Callable[[], SqlUnitOfWork], reader: Callable[[], SqlUnitOfWork]
    ) -> None:
        self._uow = uow
        self._reader = reader
        self.cache = ReferenceCache()

    @cached_property
    def group(self) -> GroupCommit:
        """The process's group commit: one durable commit for concurrent callers' work."""
        return GroupCommit(self._uow)

    def run(self, work: Callable[[UnitOfWork], T], *, grouped: bool = True) -> T:
        """`work(uow)` committed once it returns; with `grouped`, in a shared transaction."""
        if grouped:
            return self.group.run(work)
        with self._uow() as uow:
            result = work(read_once(uow))
            uow.commit()
        return result

    @contextmanager
    def planning(self) -> Iterator[Planning]:
        """A read-only transaction whose reference data comes through the cache."""
        with self._reader() as reading:
            # The version first: what is read after it is at least as new (see ReferenceCache).
            version = reading.reference_version()
            yield Planning(self.cache.view(reading, version), version)

    def unchanged(self, uow: UnitOfWork, stamp: int) -> bool:
        """Whether the reference version in `uow`'s transaction is still `stamp`."""
        inner = innermost(uow)
        if not isinstance(inner, SqlUnitOfWork):
            raise TypeError(f"not a unit of work of SQL storage: {type(inner)!r}")
        return inner.reference_version() == stamp

"""Views of a unit of work for shared transactions: joined, read-once, and reference-cached.

A joined view lets several use cases run in one transaction: its `commit()` and its context
manager do nothing (the owner of the transaction commits), and units and products are each
read once per transaction. A cached view serves reference data (units, products, organisation
options, calendar overrides) from a `ReferenceCache` entry shared across transactions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, cast

from vulndesk.domain.errors import NotFound
from vulndesk.services.ports import UnitOfWork


class _Memo:
    """Units or products by id, each read at most once in a transaction that several use."""

    def __init__(self, repo: Any) -> None:
        self._repo = repo
        self._got: dict[str, Any] = {}

    def get(self, id_: str) -> Any:
        if id_ not in self._got:
            self._got[id_] = self._repo.get(id_)
        return self._got[id_]

    def list(self) -> list[Any]:
        found = list(self._repo.list())
        self._got.update({x.id: x for x in found})
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)


class Joined:
    """A unit of work that joins an open transaction: the owner of the transaction commits.

    Reference data (units, products) is read once per transaction: the use cases joined into
    one request each look up the same unit and product.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.inner = uow
        self.units: Any = _Memo(uow.units)
        self.products: Any = _Memo(uow.products)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def commit(self) -> None:
        return None


_MISSING = object()
# Entries one cached version keeps at most: names read from public reports are free text.
CACHE_LIMIT = 1000


class _SharedMemo:
    """A repository's reads kept in `store` (shared by every view of one reference version):
    `get` results and their NotFound, and `list` (the repository's own other methods pass)."""

    def __init__(self, repo: Any, store: dict[Any, Any]) -> None:
        self._repo = repo
        self._store = store

    def _kept(self, key: Any, read: Callable[[], Any]) -> Any:
        got = self._store.get(key, _MISSING)
        if got is _MISSING:
            try:
                got = read()
            except NotFound as exc:
                got = exc
            if len(self._store) < CACHE_LIMIT:
                self._store[key] = got
        if isinstance(got, NotFound):
            # A new exception each time: raising the kept one again would chain every raise's
            # traceback (and its frames) onto it.
            raise NotFound(got.kind, got.key)
        return got

    def get(self, id_: str) -> Any:
        return self._kept(("get", id_), lambda: self._repo.get(id_))

    def list(self) -> list[Any]:
        return list(self._kept(("list",), lambda: tuple(self._repo.list())))

    def options(self) -> dict[str, str]:
        return dict(self._kept(("options",), self._repo.options))

    def overrides(self) -> dict[str, dict[dt.date, bool]]:
        kept = self._kept(("overrides",), self._repo.overrides)
        return {country: dict(days) for country, days in kept.items()}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)


class _Cached(Joined):
    """A read-only view whose reference data comes from a `ReferenceCache` entry."""

    def __init__(self, uow: UnitOfWork, store: dict[str, dict[Any, Any]]) -> None:
        self.inner = uow
        self.units = _SharedMemo(uow.units, store["units"])
        self.products = _SharedMemo(uow.products, store["products"])
        self.org_settings = _SharedMemo(uow.org_settings, store["org_settings"])
        self.calendar = _SharedMemo(uow.calendar, store["calendar"])


class ReferenceCache:
    """Reference data (units, products, organisation options, calendar overrides) kept across
    transactions for as long as the reference version stays the same.

    Every change to those tables moves the version (database triggers, migration 0011), so a
    transaction that has read the version V first may take what another transaction read
    after reading V: that data is at least as new as V, and if it is newer the version has
    moved and whoever stores a plan made from it finds out (`services.cases.opening.store_open`).
    Versions only grow; a transaction still at an older version reads for itself.
    """

    def __init__(self) -> None:
        self._entry: tuple[int, dict[str, dict[Any, Any]]] | None = None

    def view(self, uow: UnitOfWork, version: int) -> UnitOfWork:
        """`uow` reading its reference data through the cache of `version`."""
        entry = self._entry
        if entry is None or entry[0] < version:
            entry = (version, {"units": {}, "products": {}, "org_settings": {}, "calendar": {}})
            self._entry = entry
        elif entry[0] > version:
            return read_once(uow)
        return cast(UnitOfWork, _Cached(uow, entry[1]))


def read_once(uow: UnitOfWork) -> UnitOfWork:
    """`uow` joined: units and products each read at most once, its commit does nothing."""
    return cast(UnitOfWork, uow if isinstance(uow, Joined) else Joined(uow))


def innermost(uow: UnitOfWork) -> UnitOfWork:
    """The unit of work under any joined or cached views of it."""
    while isinstance(uow, Joined):
        uow = uow.inner
    return uow

"""ReferenceCache: reference data shared across transactions at one reference version."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, cast

import pytest

from vulndesk.adapters.storage import joined
from vulndesk.adapters.storage.joined import ReferenceCache
from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import ProductId, UnitId
from vulndesk.services.ports import UnitOfWork


class _Repo:
    def __init__(self, reads: list[str], name: str) -> None:
        self.reads, self.name = reads, name

    def get(self, id_: str) -> str:
        self.reads.append(f"{self.name}.get:{id_}")
        if id_.startswith("unknown"):
            raise NotFound(self.name, id_)
        return f"{self.name}:{id_}"

    def list(self) -> list[SimpleNamespace]:
        self.reads.append(f"{self.name}.list")
        return [SimpleNamespace(id="a")]

    def options(self) -> dict[str, str]:
        self.reads.append("options")
        return {"rules.in_force": "eu-cra-2024"}

    def overrides(self) -> dict[str, dict[dt.date, bool]]:
        self.reads.append("overrides")
        return {"CN": {dt.date(2026, 10, 10): True}}


class _Uow:
    def __init__(self, reads: list[str]) -> None:
        self.units = _Repo(reads, "units")
        self.products = _Repo(reads, "products")
        self.org_settings = _Repo(reads, "settings")
        self.calendar = _Repo(reads, "calendar")
        self.ledger = "the transaction's own"


def _use(view: UnitOfWork) -> None:
    view.units.get(UnitId("cn"))
    view.units.list()
    with pytest.raises(NotFound):
        view.products.get(ProductId("unknown-1"))
    view.org_settings.options()
    view.calendar.overrides()


def test_views_of_one_version_read_each_thing_once() -> None:
    cache, reads = ReferenceCache(), list[str]()
    for _ in range(3):
        _use(cache.view(cast(UnitOfWork, _Uow(reads)), 7))
    assert sorted(reads) == sorted(
        ["units.get:cn", "units.list", "products.get:unknown-1", "options", "overrides"]
    )


def test_a_newer_version_reads_afresh_and_an_older_one_reads_for_itself() -> None:
    cache, reads = ReferenceCache(), list[str]()
    _use(cache.view(cast(UnitOfWork, _Uow(reads)), 7))
    reads.clear()
    _use(cache.view(cast(UnitOfWork, _Uow(reads)), 8))
    assert len(reads) == 5
    reads.clear()
    _use(cache.view(cast(UnitOfWork, _Uow(reads)), 7))  # a transaction that began earlier
    assert len(reads) == 5
    reads.clear()
    _use(cache.view(cast(UnitOfWork, _Uow(reads)), 8))  # version 8 was not replaced by 7
    assert reads == []


def test_callers_get_copies_they_may_change() -> None:
    cache = ReferenceCache()
    view = cache.view(cast(UnitOfWork, _Uow([])), 1)
    view.org_settings.options()["rules.in_force"] = "changed"
    view.calendar.overrides()["CN"].clear()
    again = cache.view(cast(UnitOfWork, _Uow([])), 1)
    assert again.org_settings.options() == {"rules.in_force": "eu-cra-2024"}
    assert again.calendar.overrides() == {"CN": {dt.date(2026, 10, 10): True}}
    assert (
        cast(Any, again).ledger == "the transaction's own"
    )  # everything else is the transaction's


def test_free_text_names_cannot_grow_the_cache_without_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(joined, "CACHE_LIMIT", 3)
    cache, reads = ReferenceCache(), list[str]()
    view: Any = cache.view(cast(UnitOfWork, _Uow(reads)), 1)
    for n in range(10):
        with pytest.raises(NotFound):
            view.products.get(f"unknown-{n}")
    reads.clear()
    for n in range(10):
        with pytest.raises(NotFound):
            view.products.get(f"unknown-{n}")
    assert len(reads) == 7  # three kept, the rest read each time


def test_a_kept_refusal_is_raised_afresh_each_time() -> None:
    view: Any = ReferenceCache().view(cast(UnitOfWork, _Uow([])), 1)
    raised = []
    for _ in range(3):
        with pytest.raises(NotFound) as info:
            view.products.get("unknown-9")
        raised.append(info.value)
    assert len({id(e) for e in raised}) == 3
    assert all((e.kind, e.key) == ("products", "unknown-9") for e in raised)

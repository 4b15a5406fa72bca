"""The backdate limit is a typed setting that reaches every use case's Deps."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import cast

import pytest

from vulndesk.bootstrap import build
from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.context import joined
from vulndesk.services.ports import UnitOfWork


def test_the_backdate_limit_is_read_typed_and_reaches_deps() -> None:
    assert Settings.from_env({}).backdate_limit_hours == 24
    settings = Settings.from_env({"VULNDESK_BACKDATE_LIMIT_HOURS": "48"})
    assert settings.backdate_limit_hours == 48
    assert settings.unknown == ()
    deps = build(settings).deps()
    assert deps.backdate_limit == dt.timedelta(hours=48)
    # Use cases joined into one transaction (idempotent API writes) keep it too.
    transaction = cast(UnitOfWork, SimpleNamespace(units=None, products=None))
    assert joined(deps, transaction).backdate_limit == dt.timedelta(hours=48)


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "a day", "8761", "２４"])
def test_a_bad_backdate_limit_names_the_setting(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env({"VULNDESK_BACKDATE_LIMIT_HOURS": value})
    assert caught.value.field == "VULNDESK_BACKDATE_LIMIT_HOURS"
    assert "24" in (caught.value.accepted or "")

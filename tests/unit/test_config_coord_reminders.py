"""The embargo reminder days are a typed setting: whole days, largest first, empty for none."""

from __future__ import annotations

import pytest

from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput


def test_reminder_days_default_parse_and_may_be_turned_off() -> None:
    assert Settings.from_env({}).coord_reminder_days == (7, 1)
    settings = Settings.from_env({"VULNDESK_COORD_REMINDER_DAYS": "1, 14,3,3"})
    assert settings.coord_reminder_days == (14, 3, 1)
    assert settings.unknown == ()
    assert Settings.from_env({"VULNDESK_COORD_REMINDER_DAYS": ""}).coord_reminder_days == ()


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "a week", "366", "7,,1", "７"])
def test_bad_reminder_days_name_the_setting_and_the_fix(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env({"VULNDESK_COORD_REMINDER_DAYS": value})
    assert caught.value.field == "VULNDESK_COORD_REMINDER_DAYS"
    assert "7,1" in (caught.value.accepted or "")

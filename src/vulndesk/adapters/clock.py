"""The system clock adapter, and a settable clock for tests and simulations."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """Real time, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class SettableClock:
    """A clock that only moves when told to (workers under test, demo data)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SettableClock needs an aware datetime")
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when

    def advance(self, delta: dt.timedelta) -> None:
        self._now += delta

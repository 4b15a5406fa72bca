"""Bounded waits for tests: poll until a condition holds, with deadlines a loaded machine meets.

A fixed sleep either wastes time or, on a busy machine, is too short; every wait in the tests
is a poll of the thing waited for, bounded by one of these deadlines.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# A server process importing the application on a busy two-core machine can take this long.
STARTUP = 120.0
# A server process finishing its requests and exiting after SIGTERM.
SHUTDOWN = 60.0
# Threads or processes in the same test reaching an agreed point.
MEET = 60.0


def until(condition: Callable[[], object], what: str, seconds: float = MEET) -> None:
    """Poll `condition` until it is true; fail naming `what` when `seconds` pass first."""
    deadline = time.monotonic() + seconds
    step = 0.005
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(step)
        step = min(step * 2, 0.2)

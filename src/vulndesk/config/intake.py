"""Public intake settings: report rates and reporters' follow-up limits."""

from __future__ import annotations

from collections.abc import Callable

from vulndesk.services.intake.receipts import Rate, parse_rate

INTAKE_RATE = Rate(30, 60)


def follow_up_rate(name: str, get: Callable[[str], str]) -> Rate | None:
    text = get("INTAKE_" + name)
    return parse_rate(f"VULNDESK_INTAKE_{name}", text, Rate(1, 1)) if text else None

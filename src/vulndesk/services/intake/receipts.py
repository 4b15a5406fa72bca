"""The RMSV Art. 5 receipt log with its six-month retention, and per-client rate limits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.context import Acts, Deps
from vulndesk.services.intake.ports import Receipt

RETENTION_MONTHS = 6
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `limit` counted events per fixed window of `seconds` (windows are shared by every
    process: each count is one upsert into `rate_windows`)."""

    limit: int
    seconds: int

    def window(self, now: dt.datetime) -> int:
        return int(now.timestamp()) // self.seconds

    def retry_after(self, now: dt.datetime) -> int:
        """Seconds until the current window ends (at least 1)."""
        return max(1, (self.window(now) + 1) * self.seconds - int(now.timestamp()))


def parse_rate(setting: str, spec: str | None, default: Rate) -> Rate:
    """`N/seconds` from a setting (e.g. VULNDESK_INTAKE_MESSAGE_RATE=20/3600), else `default`."""
    if not spec:
        return default
    limit, _, seconds = spec.strip().partition("/")
    if not (limit.isascii() and limit.isdigit() and seconds.isascii() and seconds.isdigit()):
        raise InvalidInput(
            setting, f"{spec[:40]!r} is not a rate", "a count and seconds, e.g. 20/3600"
        )
    if int(limit) < 1 or int(seconds) < 1:
        raise InvalidInput(
            setting, f"{spec!r} allows nothing", "a count and seconds, both 1 or more"
        )
    return Rate(int(limit), int(seconds))


def check_rate(deps: Deps, source_address: str, limit: int, window_seconds: int) -> int | None:
    """Count a request; None if allowed, else the seconds until the window ends."""
    now = deps.clock.now()
    window = int(now.timestamp()) // window_seconds
    with deps.uow() as uow:
        hits = uow.intake.hit(source_address, window)
        uow.commit()
    if hits <= limit:
        return None
    return max(1, (window + 1) * window_seconds - int(now.timestamp()))


def retention_floor(now: dt.datetime) -> dt.datetime:
    """The oldest instant receipts may be purged before: six calendar months ago in Shanghai."""
    local = now.astimezone(SHANGHAI)
    month = local.month - RETENTION_MONTHS
    year = local.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = [
        31,
        29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    floor = local.replace(year=year, month=month, day=min(local.day, days[month - 1]))
    return floor.astimezone(dt.UTC)


def purge_receipts(deps: Deps, actor: Acts, before: dt.date) -> int:
    """Delete receipt-log entries before `before` (Shanghai midnight), never younger than 6 months."""
    now = deps.clock.now()
    cutoff = dt.datetime.combine(before, dt.time(), SHANGHAI).astimezone(dt.UTC)
    floor = retention_floor(now)
    if cutoff > floor:
        raise InvalidInput(
            "--before",
            f"receipts must be kept at least {RETENTION_MONTHS} months (RMSV Art. 5)",
            f"a date on or before {floor.astimezone(SHANGHAI).date().isoformat()}",
        )
    with deps.uow() as uow:
        removed = uow.intake.purge_receipts(cutoff)
        uow.audit.append(
            actor.event(
                now,
                AuditTag.INTAKE_RECEIPTS_PURGED,
                "intake",
                "receipts",
                (),
                before=before.isoformat(),
                removed=str(removed),
            )
        )
        uow.commit()
    return removed


def receipts(deps: Deps, limit: int = 100) -> list[Receipt]:
    with deps.uow() as uow:
        return uow.intake.receipts(limit)

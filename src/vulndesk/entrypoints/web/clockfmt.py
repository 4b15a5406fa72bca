"""How the console writes instants and clocks: unambiguous zones, both zones side by side."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

from markupsafe import Markup

from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.obligations import Obligation, ObligationStatus

MAX_ZONE = 64  # longest IANA name is 32; a cookie value beyond this is not a zone


def offset(at: dt.datetime) -> str:
    """`UTC+08:00`, `UTC-07:00`, `UTC`: never an abbreviation such as "CST"."""
    delta = at.utcoffset() or dt.timedelta(0)
    if not delta:
        return "UTC"
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def zone_label(zone: str, at: dt.datetime) -> str:
    """The IANA name with the offset in force at `at`: `Asia/Shanghai (UTC+08:00)`."""
    if zone in {"UTC", "Etc/UTC"}:
        return "UTC"
    return f"{zone} ({offset(at.astimezone(zoneinfo.ZoneInfo(zone)))})"


def local_text(value: dt.datetime, zone: str) -> str:
    """`2026-03-12 15:00 UTC+08:00`: the wall time in `zone` and its offset."""
    local = value.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {offset(local)}"


def browser_zone(value: str | None) -> str | None:
    """A zone name sent by the browser (cookie), if it is a zone this machine knows."""
    if not value or len(value) > MAX_ZONE or value.startswith(("/", ".")) or ".." in value:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return value


def zoned(value: dt.datetime | None, zone: str) -> Markup:
    """One instant in one zone, written out: the wall time, its UTC offset and the zone's name."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time> <span class="zone">{}</span>').format(
        value.astimezone(dt.UTC).isoformat(), local_text(value, zone), zone
    )


def action_text(obligation: Obligation, lang: str) -> str:
    """The rule file's action in the page's language (English when there is no Chinese)."""
    return obligation.action_zh if lang == "zh-CN" and obligation.action_zh else obligation.action


def state_text(
    clock: CaseObligation, now: dt.datetime, _: Callable[..., str], duration: Callable[..., str]
) -> str:
    """Overdue by how much, met late by how much, or time left: in words, not only colour."""
    due = clock.due
    if clock.status is ObligationStatus.MET_LATE and clock.late_by is not None:
        return _("Met late, %(late)s after the deadline", late=duration(clock.late_by, _))
    if due is None:
        return _(clock.status.value)
    if clock.status is ObligationStatus.OVERDUE or due < now:
        return _("Overdue by %(late)s", late=duration(now - due, _))
    return _("%(left)s left", left=duration(due - now, _))

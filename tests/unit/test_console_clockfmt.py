"""The console's way of writing instants: offsets and IANA names, never an abbreviation."""

from __future__ import annotations

import datetime as dt

from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import Obligation, ObligationStatus, Satisfier, Timing
from vulndesk.entrypoints.web import clockfmt, i18n
from vulndesk.entrypoints.web.render import duration

DUE = dt.datetime(2026, 3, 12, 7, 0, tzinfo=dt.UTC)  # 15:00 in Shanghai
SUMMER = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)


def _clock(status: ObligationStatus, met_at: dt.datetime | None = None) -> CaseObligation:
    ob = Obligation(
        id="cn-rmsv-2021/report-to-nvdb",
        regulation="cn-rmsv-2021",
        article="Art. 7(2)",
        action="Report to the NVDB.",
        recipient="regulator",
        trigger=FactKind.AWARE,
        trigger_at=DUE - dt.timedelta(hours=48),
        timing=Timing.DEADLINE,
        due=DUE,
        period="48h",
        timezone="Asia/Shanghai",
        satisfied_by=Satisfier(disclosure="nvdb-report"),
        action_zh="向NVDB报送。",
    )
    return CaseObligation(CaseKey("VD-2026-0002"), ob, status, met_at=met_at)


def test_offsets_are_written_out_not_abbreviated() -> None:
    assert clockfmt.local_text(DUE, "Asia/Shanghai") == "2026-03-12 15:00 UTC+08:00"
    assert clockfmt.local_text(DUE, "UTC") == "2026-03-12 07:00 UTC"
    assert clockfmt.local_text(DUE, "America/Los_Angeles") == "2026-03-12 00:00 UTC-07:00"
    assert clockfmt.local_text(DUE, "Asia/Kolkata") == "2026-03-12 12:30 UTC+05:30"
    assert clockfmt.zone_label("America/Los_Angeles", SUMMER) == "America/Los_Angeles (UTC-07:00)"
    assert clockfmt.zone_label("America/Los_Angeles", DUE - dt.timedelta(days=10)) == (
        "America/Los_Angeles (UTC-08:00)"
    )
    assert clockfmt.zone_label("UTC", DUE) == "UTC"


def test_zoned_shows_wall_time_offset_and_zone_name() -> None:
    html = str(clockfmt.zoned(DUE, "Asia/Shanghai"))
    assert 'datetime="2026-03-12T07:00:00+00:00"' in html
    assert ">2026-03-12 15:00 UTC+08:00</time>" in html
    assert '<span class="zone">Asia/Shanghai</span>' in html
    assert "CST" not in html
    assert str(clockfmt.zoned(None, "UTC")) == ""


def test_browser_zone_accepts_only_known_zones() -> None:
    assert clockfmt.browser_zone("Asia/Shanghai") == "Asia/Shanghai"
    assert clockfmt.browser_zone("Europe/Berlin") == "Europe/Berlin"
    for bad in (None, "", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "x" * 80):
        assert clockfmt.browser_zone(bad) is None


def test_action_text_follows_the_page_language() -> None:
    ob = _clock(ObligationStatus.OPEN).obligation
    assert clockfmt.action_text(ob, "zh-CN") == "向NVDB报送。"
    assert clockfmt.action_text(ob, "en") == "Report to the NVDB."
    from dataclasses import replace

    assert clockfmt.action_text(replace(ob, action_zh=""), "zh-CN") == "Report to the NVDB."


def test_state_text_tells_overdue_met_late_and_time_left_apart() -> None:
    en, zh = i18n.translator("en"), i18n.translator("zh-CN")
    now = DUE + dt.timedelta(hours=5, minutes=3)
    overdue = _clock(ObligationStatus.OVERDUE)
    late = _clock(ObligationStatus.MET_LATE, met_at=DUE + dt.timedelta(days=2, hours=1))
    assert clockfmt.state_text(overdue, now, en, duration) == "Overdue by 5 h 3 min"
    assert clockfmt.state_text(late, now, en, duration) == "Met late, 2 d 1 h after the deadline"
    before = DUE - dt.timedelta(minutes=40)
    assert clockfmt.state_text(_clock(ObligationStatus.OPEN), before, en, duration) == "40 min left"
    # An open clock past its instant (the sweep has not run yet) already reads overdue.
    assert clockfmt.state_text(_clock(ObligationStatus.OPEN), now, en, duration).startswith(
        "Overdue"
    )
    assert clockfmt.state_text(overdue, now, zh, duration).startswith("已逾期")
    assert clockfmt.state_text(late, now, zh, duration).startswith("逾期履行")

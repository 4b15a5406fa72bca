"""The dashboard in a real browser: my next duties first, both zones written out, the rule's
action in the reader's language, and headquarters' view by unit and regulation."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import Server, fresh_code, screenshot, submit
from tests.e2e.test_console_reports import demo_credentials

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NVDB = "tr[data-obligation='cn-rmsv-2021/report-to-nvdb'][data-case='VD-2026-0002']"
ABBREVIATION = re.compile(r"\b(CST|PST|PDT|CET|CEST|EST|EDT|IST)\b")


def browser_sign_in(browser: Browser, server: Server, user: str, locale: str, zone: str) -> Page:
    """A new user's browser in its own language and zone, signed in as a demo account."""
    password, secret = demo_credentials(server)[user]
    page = browser.new_context(locale=locale, timezone_id=zone).new_page()
    page.goto(server.base + "/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", password)
    page.fill("input[name=totp]", fresh_code(secret))
    submit(page, "button[type=submit]")
    page.wait_for_url(server.base + "/")
    return page


def _wall(page: Page, cell: str, zone: str) -> tuple[str, str]:
    """A cell's shown text and what its instant reads in `zone`."""
    time = page.locator(cell + " time").first
    instant = dt.datetime.fromisoformat(time.get_attribute("datetime") or "")
    local = instant.astimezone(zoneinfo.ZoneInfo(zone))
    return page.locator(cell).first.inner_text(), f"{local:%Y-%m-%d %H:%M}"


def test_my_next_duties_in_my_language_and_both_zones(server: Server, browser: Browser) -> None:
    page = browser_sign_in(browser, server, "analyst-cn", "zh-CN", "America/Los_Angeles")
    # No saved preference: the language came from Accept-Language, the zone from zone.js.
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.reload()
    assert "America/Los_Angeles" in page.locator("footer").inner_text()
    mine = page.locator("#h-next + p + table.worklist tbody tr")
    assert mine.count() > 0
    dues = [
        dt.datetime.fromisoformat(t)
        for t in page.locator("#h-next ~ table td.due-viewer time").evaluate_all(
            "els => els.map(e => e.getAttribute('datetime'))"
        )
    ]
    assert dues == sorted(dues)  # least time left first
    row = f"#h-next ~ table {NVDB}"
    action = page.locator(row + " td.action").inner_text()
    assert action.startswith("向工业和信息化部网络安全威胁和漏洞信息共享平台报送漏洞信息")
    assert "cn-rmsv-2021/report-to-nvdb" not in page.locator("main").inner_text()
    article = page.locator(row + " td.article").inner_text()
    assert article.startswith("网络产品安全漏洞管理规定") and article.endswith("Art. 7(2)")
    viewer, expected = _wall(page, row + " td.due-viewer", "America/Los_Angeles")
    assert viewer.startswith(expected) and "America/Los_Angeles" in viewer
    assert re.search(r"UTC-0[78]:00", viewer)
    rule, rule_expected = _wall(page, row + " td.due-rule", "Asia/Shanghai")
    assert rule.startswith(rule_expected) and "UTC+08:00" in rule and "Asia/Shanghai" in rule
    assert page.locator(row + " td.due-rule").is_visible()
    assert not ABBREVIATION.search(page.locator("main").inner_text())
    screenshot(page, "dashboard-next-zh-CN")
    page.context.close()


def test_overdue_and_met_late_read_differently(server: Server, browser: Browser) -> None:
    page = browser_sign_in(browser, server, "analyst-cn", "en-US", "Asia/Shanghai")
    overdue = page.locator("#h-next ~ table td.clock-state .badge.overdue").all_inner_texts()
    late = page.locator("#h-met-late ~ table td.clock-state .badge.met-late").all_inner_texts()
    # The demo has both: VD-2026-0018's NVDB report is weeks overdue, a house SLA was met late.
    assert overdue and all(
        re.fullmatch(r"⚠ Overdue by \d+ (d \d+ h|h \d+ min|min)", t) for t in overdue
    )
    assert late and all(
        t.startswith("✓ Met late, ") and t.endswith(" after the deadline") for t in late
    )
    colours = {
        page.locator(f"td.clock-state .badge.{kind}").first.evaluate(
            "e => getComputedStyle(e).backgroundColor + getComputedStyle(e).borderStyle"
        )
        for kind in ("overdue", "met-late")
    }
    assert len(colours) == 2
    screenshot(page, "dashboard-overdue-met-late-en")
    page.context.close()


def test_headquarters_sees_clocks_by_unit_and_regulation(server: Server, browser: Browser) -> None:
    page = browser_sign_in(browser, server, "hq-oversight", "en-US", "America/Los_Angeles")
    units = page.locator("#h-by-unit ~ section.unit h3").all_inner_texts()
    assert units == sorted(units) and any("acme-cn" in u for u in units)
    summary = page.locator("table.by-regulation")
    assert summary.locator("thead th").all_inner_texts()[1:] == [u.split()[-1] for u in units]
    rmsv = summary.locator("tbody tr", has_text="Regulations on the Management of Security")
    cells = rmsv.locator("td").all_inner_texts()
    assert any("overdue" in c for c in cells) and any("running" in c for c in cells)
    region = page.locator("div.scroll-region:has(table.by-regulation)")
    assert region.get_attribute("tabindex") == "0"
    cn = page.locator("section.unit", has_text="acme-cn")
    regulations = cn.locator("h4.regulation").all_inner_texts()
    assert any(
        r.startswith("Regulations on the Management of Security Vulnerabilities")
        for r in regulations
    )
    assert cn.locator(f"{NVDB} td.due-rule").first.inner_text().endswith("Asia/Shanghai")
    screenshot(page, "dashboard-by-unit-en")
    submit(page, "a[lang=zh-CN]")
    assert page.locator("h4.regulation", has_text="网络产品安全漏洞管理规定").count() > 0
    page.context.close()

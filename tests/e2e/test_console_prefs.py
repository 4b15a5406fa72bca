"""Personal settings in a real browser: a user's own zone and language, and nobody else's."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.browser import Server, screenshot, sign_in, submit
from vulndesk.entrypoints.web import clockfmt

if TYPE_CHECKING:
    from playwright.sync_api import Browser


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0002"  # demo case of acme-cn with a running NVDB clock
NVDB = "tr[data-obligation='cn-rmsv-2021/report-to-nvdb'] td.due time"


@pytest.fixture(scope="module")
def users(server: Server) -> Server:
    server.add_user("shanghai-coord", "coordinator", "acme-hq")
    server.add_user("plain-coord", "coordinator", "acme-hq")
    return server


def _page(browser: Browser, locale: str) -> tuple[Any, list[str]]:
    # A browser in UTC, the organisation's zone: the saved zone must win over the browser's.
    context = browser.new_context(locale=locale, timezone_id="UTC")
    page = context.new_page()
    errors: list[str] = []
    # The refused form answers 422 on purpose; only other errors count.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    return page, errors


def _shown_in(page: Any, selector: str, zone: str) -> tuple[str, str]:
    """The displayed text of a <time> and what it must read in `zone` (from its UTC instant)."""
    element = page.locator(selector).first
    instant = dt.datetime.fromisoformat(element.get_attribute("datetime"))
    return element.inner_text(), clockfmt.local_text(instant, zone)


def test_own_zone_and_language_apply_to_that_user_only(users: Server, browser: Browser) -> None:
    page, errors = _page(browser, "en-US")
    sign_in(page, users, "shanghai-coord")
    submit(page, "header a.who")
    assert page.url.endswith("/account")
    assert page.locator("h1").inner_text() == "Your settings"
    page.fill("input[name=timezone]", "Mars/Olympus_Mons")
    submit(page, "#preferences button[type=submit]")
    assert "not a known time zone" in page.locator("#err-timezone").inner_text()
    page.fill("input[name=timezone]", "Asia/Shanghai")
    page.select_option("select[name=language]", "zh-CN")
    screenshot(page, "account-settings-en")
    submit(page, "#preferences button[type=submit]")
    assert page.url.endswith("/account?saved=1")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "个人设置"
    assert page.locator("input[name=timezone]").input_value() == "Asia/Shanghai"
    me = page.request.get(users.base + "/api/v1/me").json()
    assert (me["timezone"], me["language"]) == ("Asia/Shanghai", "zh-CN")

    page.goto(f"{users.base}/cases/{CASE}")
    assert page.locator("#h-clocks").inner_text() == "时限"
    assert "Asia/Shanghai" in page.locator("footer").inner_text()
    shown, expected = _shown_in(page, NVDB, "Asia/Shanghai")
    assert shown == expected and shown.endswith(" UTC+08:00")  # never the ambiguous "CST"
    due = dt.datetime.fromisoformat(page.locator(NVDB).get_attribute("datetime"))
    assert due.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).utcoffset() == dt.timedelta(hours=8)
    hover = page.locator(NVDB).get_attribute("title") or ""
    assert f"UTC {due.astimezone(dt.UTC):%Y-%m-%d %H:%M}" in hover and "+0800" in hover
    fact_shown, fact_expected = _shown_in(
        page, "#facts tbody td:nth-child(3) time", "Asia/Shanghai"
    )
    assert fact_shown == fact_expected
    screenshot(page, "case-own-zone-zh-CN")

    other, other_errors = _page(browser, "en-US")
    sign_in(other, users, "plain-coord")
    other.goto(f"{users.base}/cases/{CASE}")
    assert other.locator("html").get_attribute("lang") == "en"
    assert other.locator("#h-clocks").inner_text() == "Clocks"
    assert "shown in UTC;" in other.locator("footer").inner_text()
    other_shown, other_expected = _shown_in(other, NVDB, "UTC")
    assert other_shown == other_expected and other_shown.endswith(" UTC")
    assert other_shown != shown
    screenshot(other, "case-org-zone-en")
    assert errors == other_errors == []
    other.context.close()
    page.context.close()


def test_the_header_switch_saves_the_language_over_the_browsers(
    users: Server, browser: Browser
) -> None:
    page, errors = _page(browser, "en-US")
    sign_in(page, users, "plain-coord")
    assert page.locator("h1").inner_text() == "Dashboard"
    submit(page, "a[lang=zh-CN]")
    assert page.locator("h1").inner_text() == "总览"
    page.context.close()

    # A new browser asking for English still gets the saved Chinese, and the saved zone stays.
    again, again_errors = _page(browser, "en-US")
    sign_in(again, users, "plain-coord")
    assert again.locator("html").get_attribute("lang") == "zh-CN"
    me = again.request.get(users.base + "/api/v1/me").json()
    assert (me["timezone"], me["language"]) == (None, "zh-CN")
    submit(again, "a[lang=en]")
    assert again.locator("h1").inner_text() == "Dashboard"
    assert again.request.get(users.base + "/api/v1/me").json()["language"] == "en"
    # Signed out, only the browser's wish and the cookie count.
    anonymous, _ = _page(browser, "zh-CN")
    anonymous.goto(users.base + "/login")
    assert anonymous.locator("html").get_attribute("lang") == "zh-CN"
    assert errors == again_errors == []
    for p in (again, anonymous):
        p.context.close()

"""The console in a real browser: sign-in with a one-time code, the dashboard in two languages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import Server, screenshot, sign_in, submit

if TYPE_CHECKING:
    from playwright.sync_api import Browser


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def users(server: Server) -> Server:
    server.add_user("hq-admin", "admin", "acme-hq")
    return server


def test_sign_in_and_dashboard_in_both_languages(users: Server, browser: Browser) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    resp = page.goto(users.base + "/")
    assert "/login" in page.url
    assert resp is not None
    assert "unsafe-inline" not in (resp.headers.get("content-security-policy") or "unsafe-inline")
    sign_in(page, users, "hq-admin")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator("table.clocks tbody tr").count() > 0
    assert page.locator(".countdown").first.inner_text().count(":") == 2  # the script ticks
    screenshot(page, "dashboard-en")
    submit(page, "a[lang=zh-CN]")
    assert page.locator("h1").inner_text() == "总览"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, "dashboard-zh-CN")
    assert errors == []
    context.close()


def test_wrong_code_is_refused_and_open_redirects_are_not_followed(
    users: Server, browser: Browser
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(users.base + "/login?next=//evil.example/x")
    page.fill("input[name=name]", "hq-admin")
    page.fill("input[name=password]", "wrong password entirely")
    page.fill("input[name=totp]", "000000")
    submit(page, "button[type=submit]")
    assert page.locator("[role=alert]").count() == 1
    sign_in_page = page.url
    assert "evil.example" not in sign_in_page.split("?")[0]
    context.close()

"""The public report pages in a real browser: submit without an account, follow up by token."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import Server, screenshot, submit

if TYPE_CHECKING:
    from playwright.sync_api import Browser


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAYLOAD = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"


def test_reporter_submits_reads_status_and_writes_back(server: Server, browser: Browser) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server.base + "/report")
    assert page.locator("nav[aria-label]").count() == 0  # the public layout has no console nav
    assert "报告漏洞" in page.locator("h1").inner_text()
    assert "Report a vulnerability" in page.locator("h1").inner_text()
    page.get_by_label("Product").fill("ax-router")
    page.get_by_label("Version").fill("2.3.1")
    page.get_by_label("Description").fill("Heap overflow in the web UI login handler.")
    page.get_by_label("Steps to reproduce").fill(PAYLOAD)
    screenshot(page, "public-report-form")
    submit(page, "button[type=submit]")
    tracking = page.locator("strong.tracking").inner_text()
    token = page.locator("code.token").inner_text()
    assert tracking.startswith("R-") and len(token) > 30
    assert "已收到报告" in page.locator("h1").inner_text()

    submit(page, "main a[href^='/report/status?']")
    assert page.get_by_label("Tracking id").input_value() == tracking
    page.get_by_label("Follow-up token").fill(token)
    page.get_by_label("Message to the team (optional)").fill("Any news? " + PAYLOAD)
    submit(page, "button[type=submit]")
    assert page.locator("dd.tracking").inner_text() == tracking
    assert page.locator("dd.report-state").inner_text() == "received"
    assert page.locator(".thread pre").last.inner_text() == "Any news? " + PAYLOAD
    assert page.locator(".thread img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    screenshot(page, "public-report-status")

    page.get_by_label("Tracking id").fill(tracking)
    page.get_by_label("Follow-up token").fill("wrong-token-" + token[:10])
    submit(page, "button[type=submit]")
    assert "跟踪编号或令牌不正确" in page.locator("[role=alert]").inner_text()
    assert errors == [] or all("404" in e for e in errors)
    context.close()


def test_security_txt_points_to_the_form(server: Server, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    resp = page.goto(server.base + "/.well-known/security.txt")
    assert resp is not None and resp.status == 200
    text = page.locator("body").inner_text()
    assert "Contact:" in text and "/report" in text and "Preferred-Languages: en, zh-CN" in text
    context.close()

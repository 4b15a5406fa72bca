"""The rule-set page in a real browser: applicability per unit explained in English and Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page

from tests.e2e.browser import Server, screenshot, submit
from tests.e2e.test_console_reports import close, sign_in_demo

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0002"


def _row(page: Page, rule_set: str, unit: str) -> Locator:
    return page.locator(f"#rs-{rule_set} tr[data-unit='{unit}']")


def test_applicability_follows_the_recorded_unit_attributes(
    server: Server, browser: Browser
) -> None:
    page = sign_in_demo(browser, server, "admin")
    page.goto(server.base + "/admin/rules")
    nis2 = page.locator("#rs-eu-nis2 .applicability")
    assert "Only units recorded as NIS2 essential / important entities." in nis2.inner_text()
    assert "incident_aware" in nis2.locator(".facts").inner_text()
    assert _row(page, "eu-nis2", "acme-de").get_attribute("data-verdict") == "no"
    assert "not recorded as a NIS2" in _row(page, "eu-nis2", "acme-de").inner_text()
    assert _row(page, "cn-rmsv-2021", "acme-cn").get_attribute("data-verdict") == "applies"
    assert _row(page, "cn-rmsv-2021", "acme-de").get_attribute("data-verdict") == "maybe"
    assert "endangers_national_security" in page.locator("#rs-cn-ndsm-2024 .facts").inner_text()

    # A bad zone is refused naming the field; a good one is stored and shown.
    page.goto(server.base + "/admin/reference")
    form = "#unit-regimes-form"
    page.select_option(f"{form} select[name=unit]", "acme-de")
    page.fill(f"{form} input[name=eu_main_establishment_timezone]", "Asia/Tokyo")
    submit(page, f"{form} button[type=submit]")
    assert "eu_main_establishment_timezone" in page.locator("[role=alert]").inner_text()
    page.select_option(f"{form} select[name=unit]", "acme-de")
    page.fill(f"{form} input[name=eu_main_establishment_timezone]", "Europe/Berlin")
    page.select_option(f"{form} select[name=nis2_entity]", "essential")
    submit(page, f"{form} button[type=submit]")
    assert page.url.endswith("/admin/reference?done=1")
    shown = page.locator("#regimes-acme-de").inner_text()
    assert "Europe/Berlin" in shown and "essential" in shown
    page.goto(server.base + "/admin/rules")
    assert _row(page, "eu-nis2", "acme-de").get_attribute("data-verdict") == "applies"
    assert "recorded as a NIS2 essential entity" in _row(page, "eu-nis2", "acme-de").inner_text()
    screenshot(page, "admin-rule-sets-en")

    # The incident grade on a case page.
    page.goto(f"{server.base}/cases/{CASE}")
    page.select_option("#incident-grade-form select[name=incident_grade]", "major")
    submit(page, "#incident-grade-form button[type=submit]")
    assert page.locator("#incident-grade strong").inner_text() == "major"
    close(page)

    zh = sign_in_demo(browser, server, "admin", locale="zh-CN")
    zh.goto(server.base + "/admin/rules")
    assert zh.locator("#rs-eu-nis2 .applicability h4").inner_text() == "适用对象"
    assert "适用：本单位登记为NIS2 基本实体。" in _row(zh, "eu-nis2", "acme-de").inner_text()
    assert "适用：本单位位于CN。" in _row(zh, "cn-rmsv-2021", "acme-cn").inner_text()
    assert "不适用：本单位未登记为NIS2" in _row(zh, "eu-nis2", "acme-cn").inner_text()
    assert "获知安全事件" in zh.locator("#rs-eu-nis2 .facts").inner_text()
    screenshot(zh, "admin-rule-sets-zh")
    close(zh)

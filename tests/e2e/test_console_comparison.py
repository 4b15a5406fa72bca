"""The equal-dissemination table in a real browser: recipients across, information classes and
fields down, differences marked, and every scroll box reachable and scrollable by keyboard."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import Server, screenshot, submit
from tests.e2e.test_console_reports import sign_in_demo, untranslated

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0001"  # the demo case told to the NVDB, a CSIRT and a telco customer


def _tab_to(page: Page, target: Locator, presses: int = 150) -> None:
    """Reach `target` with the Tab key only, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError("the element cannot be reached with the Tab key")


def _draft(page: Page, server: Server) -> None:
    page.goto(f"{server.base}/cases/{CASE}/reports")
    submit(page, page.locator(f"main a[href^='/reports/{CASE}/']").first)


def test_recipients_compared_as_a_table_scrolled_by_keyboard(
    server: Server, browser: Browser
) -> None:
    page = sign_in_demo(browser, server, "analyst-cn")
    page.set_viewport_size({"width": 640, "height": 800})
    _draft(page, server)
    # The raw text diff against other recipients is replaced by the table.
    assert page.locator("h3", has_text="Against other recipients").count() == 0
    region = page.locator("div.scroll-region:has(table.comparison)")
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label") == "Recipients compared, scroll sideways"
    heads = page.locator("table.comparison thead th").all_inner_texts()
    assert heads[0] == "Information class and field"
    assert "this draft" in heads[1]
    assert any("sent" in h for h in heads[2:]), heads  # recorded in the ledger
    kinds = page.locator("table.comparison thead .recipient-kind").all_inner_texts()
    assert {"Regulator", "CSIRT"} <= set(kinds) or {"Regulator", "Customer"} <= set(kinds)
    classes = page.locator("table.comparison tr.class-row th").all_inner_texts()
    assert classes == ["Public", "Restricted", "Secret"]
    rows = page.locator("table.comparison tbody tr[data-field]")
    assert rows.count() == 15
    assert page.locator("tr[data-field='proof_of_concept'] th").inner_text() == "Proof of concept"
    differing = page.locator("table.comparison tr.differs")
    assert differing.count() > 0
    assert "≠ differs" in differing.first.locator("th").inner_text()
    same = page.locator("table.comparison tr.same")
    for i in range(same.count()):
        cells = same.nth(i).locator("td").all_inner_texts()
        assert len({c.startswith("✓") for c in cells}) == 1
    assert "_" not in " ".join(page.locator("table.comparison th").all_inner_texts())

    _tab_to(page, region)
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('div.scroll-region').scrollLeft > 0", timeout=3000
    )
    screenshot(page, "comparison-en")

    preview = page.locator("article.report-preview")
    assert preview.get_attribute("tabindex") == "0"
    page.goto(page.url)  # start again from the top of the page
    _tab_to(page, preview)
    if preview.evaluate("e => e.scrollHeight > e.clientHeight"):
        page.keyboard.press("PageDown")
        page.wait_for_function(
            "() => document.querySelector('article.report-preview').scrollTop > 0", timeout=3000
        )

    submit(page, "a[lang=zh-CN]")
    assert page.locator("#h-compare").inner_text() == "各接收方获得的信息"
    assert page.locator("table.comparison tr.class-row th").all_inner_texts() == [
        "公开",
        "受限",
        "机密",
    ]
    assert untranslated(page, "table.comparison th, table.comparison td", set()) == []
    assert re.search(r"已发送|将获得", page.locator("table.comparison").inner_text())
    screenshot(page, "comparison-zh-CN")
    page.context.close()

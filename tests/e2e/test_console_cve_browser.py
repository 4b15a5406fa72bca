"""The case page's "CVE ids" section in a real browser: reserve at a local CVE Services, then
reject with a reason; in English and Simplified Chinese.

The server is a subprocess on a demo home whose VULNDESK_CVE_* name the local CVE Services
running in this process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.cve_services import LocalCveServices
from tests.e2e.browser import Server, screenshot, start_server, submit
from tests.e2e.test_console_reports import close, sign_in_demo

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0018"  # acme-cn: analyst-cn is a member


@pytest.fixture(scope="module")
def cve_services() -> Iterator[LocalCveServices]:
    with LocalCveServices() as running:
        yield running


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, cve_services: LocalCveServices
) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("cve-console"), env=cve_services.env())
    yield srv
    srv.stop()


def test_reserve_and_reject_from_the_case_page(
    server: Server, browser: Browser, cve_services: LocalCveServices
) -> None:
    page = sign_in_demo(browser, server, "analyst-cn")
    page.goto(f"{server.base}/cases/{CASE}#cve-ids")
    section = page.locator("#cve-ids")
    assert "No CVE ids reserved yet." in section.inner_text()
    section.locator("input[name=amount]").fill("1")
    submit(page, section.locator("button", has_text="Reserve CVE ids"))
    (cve_id,) = cve_services.state.ids
    row = page.locator(f"#cve-ids tr[data-cve='{cve_id}']")
    assert row.locator(".cve-reserved").inner_text() == "reserved"
    assert "analyst-cn" in row.inner_text()
    screenshot(page, "cve-ids-reserved")
    row.locator("input[name=reason]").fill("Reserved by mistake.")
    submit(page, row.locator("button", has_text="Reject"))
    row = page.locator(f"#cve-ids tr[data-cve='{cve_id}']")
    assert row.locator(".cve-rejected").inner_text() == "rejected"
    assert "Reserved by mistake." in row.inner_text()
    assert row.locator("form").count() == 0
    assert cve_services.state.ids[cve_id].state == "REJECTED"
    close(page)
    zh = sign_in_demo(browser, server, "analyst-cn", locale="zh-CN")
    zh.goto(f"{server.base}/cases/{CASE}#cve-ids")
    assert zh.locator("#h-cve-ids").inner_text() == "CVE 编号"
    assert "已驳回" in zh.locator(f"#cve-ids tr[data-cve='{cve_id}']").inner_text()
    assert zh.locator("#cve-ids button", has_text="预留 CVE 编号").count() == 1
    screenshot(zh, "cve-ids-zh")
    close(zh)

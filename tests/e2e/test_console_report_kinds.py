"""The new-draft form in a real browser offers only the recipients the chosen report kind is written for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browser import Server, submit
from tests.e2e.test_console_reports import close, sign_in_demo

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0002"
KINDS = {
    "miit-nvdb": "regulator",
    "enisa-srp": "regulator",
    "cert-bund": "csirt",
    "cncert": "csirt",
    "cisa": "csirt",
    "openssl": "upstream_supplier",
    "busybox": "upstream_supplier",
    "chip-vendor": "upstream_supplier",
    "telco-cn": "customer",
    "stadtwerke": "customer",
    "oem-partner": "downstream_maker",
}


def _offered(page: Page) -> list[str]:
    """The recipient options a person can pick (not hidden, not disabled)."""
    options = page.locator("select[name=recipient] option:not([disabled]):not([hidden])")
    return [str(v) for v in options.evaluate_all("os => os.map(o => o.value)")]


def test_the_default_draft_goes_to_a_recipient_the_kind_is_written_for(
    server: Server, browser: Browser
) -> None:
    page = sign_in_demo(browser, server, "analyst-cn")
    page.goto(f"{server.base}/cases/{CASE}/reports")
    assert page.locator("select[name=kind]").input_value() == "nvdb"
    assert {KINDS.get(p) for p in _offered(page)} == {"regulator"}
    submit(page, "text=Build draft")
    page.wait_for_url(re.compile(r".*/reports/VD-2026-0002/nvdb/[a-z-]+/v1\?done=drafted$"))
    recipient = page.url.split("/")[-2]
    assert KINDS[recipient] == "regulator"
    close(page)


def test_choosing_a_kind_narrows_the_recipients_and_a_mismatch_is_refused(
    server: Server, browser: Browser
) -> None:
    page = sign_in_demo(browser, server, "analyst-cn")
    page.goto(f"{server.base}/cases/{CASE}/reports")
    page.select_option("select[name=kind]", "notice.upstream")
    offered = _offered(page)
    assert offered and {KINDS.get(p) for p in offered} == {"upstream_supplier"}
    assert page.locator("select[name=recipient]").input_value() in offered
    page.select_option("select[name=kind]", "cac.incident")
    assert {KINDS.get(p) for p in _offered(page)} == {"regulator", "csirt"}
    # A form sent anyway with a recipient that does not fit is refused, naming the field.
    page.evaluate(
        "() => { const o = document.querySelector('select[name=recipient] option[value=busybox]');"
        " o.disabled = false; o.hidden = false; o.selected = true; }"
    )
    submit(page, "text=Build draft")
    alert = page.locator("p.error[role=alert]").inner_text()
    assert alert.startswith("“Recipient” is not accepted: ") and "regulator" in alert
    close(page)

"""Case work in a real browser: a near-miss public report linked to its product from the case
page (its clocks then start), fields edited with their history, an owner assigned, a case
opened, and a bulk transition with each case's guard result; in English and Simplified Chinese.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.e2e.browser import Server, screenshot, submit
from tests.e2e.test_console_reports import close, sign_in_demo, untranslated

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _report(server: Server, product: str, key: str) -> str:
    """A public report naming `product` as a reporter would; its case key."""
    body = {
        "product": product,
        "version": "5.0.1",
        "description": "Stack overflow in the RTSP parser of the camera",
        "steps": "send a 5000 byte RTSP URL",
        "impact": "remote code execution",
        "language": "en",
    }
    r = httpx.post(server.base + "/api/v1/intake", data=body, headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    tracking = r.json()["tracking"]
    shown = json.loads(server.cli.run("case", "list", "--sort", "-created", "--json").stdout)
    [key] = [c["key"] for c in shown["cases"] if tracking in c["title"]]
    return str(key)


def test_near_miss_report_is_linked_from_the_case_page_and_its_clocks_start(
    server: Server, browser: Browser
) -> None:
    key = _report(server, "Smartview camera SV-C20", "case-work-near-miss")
    admin = sign_in_demo(browser, server, "admin")
    admin.goto(f"{server.base}/cases/triage")
    assert admin.locator(f"a[href='/cases/{key}#link']").count() == 1
    admin.goto(f"{server.base}/cases/{key}")
    # The report went to the unit of the product it nearly named, so Shenzhen works on it.
    assert "acme-cn" in admin.locator(".case-head .facts-grid").inner_text()
    clocks = "#clocks tbody tr[data-obligation]"
    before = admin.locator(clocks).count()
    first = admin.locator("#work input[type=radio][name=product]").first
    assert first.get_attribute("value") == "ipcam"
    assert first.is_checked()
    submit(admin, "text=Link product")
    assert "ipcam" in admin.locator(".case-head .facts-grid").inner_text()
    # The product brings the clocks that bind on what is sold where.
    assert admin.locator(clocks).count() > before
    assert "ipcam" in admin.locator("table.edits").inner_text()
    admin.goto(f"{server.base}/cases/triage")
    assert admin.locator(f"a[href='/cases/{key}#link']").count() == 0
    screenshot(admin, "case-work-triage")
    close(admin)


def test_fields_are_edited_with_history_and_an_owner_is_assigned(
    server: Server, browser: Browser
) -> None:
    key = _report(server, "SmartView IP Camera", "case-work-edit")
    admin = sign_in_demo(browser, server, "admin")
    admin.goto(f"{server.base}/cases/{key}")
    form = admin.locator("form[action$='/fields']")
    form.locator("input[name=title]").fill("RTSP overflow in SmartView cameras")
    form.locator("input[name=cwe]").fill("121")
    form.locator("textarea[name=workaround]").fill("Block RTSP at the perimeter")
    form.locator("input[name=owner]").fill("analyst-cn")
    submit(admin, form.locator("button[type=submit]"))
    assert admin.locator("h1 .case-title").inner_text() == "RTSP overflow in SmartView cameras"
    assert admin.locator("#case-owner").inner_text() == "analyst-cn"
    history = admin.locator("table.edits").inner_text()
    for seen in ("title", "cwe", "workaround", "owner", "analyst-cn"):
        assert seen in history, (seen, history)
    # Case content is not copied into the audit trail the history is read from.
    assert "RTSP overflow" not in history
    # A wrong CWE names its field and the fix, and nothing is saved.
    form = admin.locator("form[action$='/fields']")
    form.locator("input[name=cwe]").fill("nonsense")
    submit(admin, form.locator("button[type=submit]"))
    assert "CWE-<number>" in admin.locator("#err-work-cwe").inner_text()
    screenshot(admin, "case-work-edit-en")
    admin.goto(f"{server.base}/cases/{key}")
    submit(admin, "a[lang=zh-CN]")
    assert admin.locator("#h-work").inner_text() == "案件字段"
    assert untranslated(admin, "#work h2, #work h3, #work th, #work button", set()) == []
    screenshot(admin, "case-work-edit-zh-CN")
    submit(admin, "a[lang=en]")
    close(admin)


def test_an_analyst_opens_a_case_and_its_clocks_run(server: Server, browser: Browser) -> None:
    analyst = sign_in_demo(browser, server, "analyst-cn")
    analyst.goto(f"{server.base}/cases")
    submit(analyst, "text=Open a case")
    analyst.fill("input[name=title]", "Hard-coded key in AX Router firmware")
    analyst.select_option("select[name=unit]", "acme-cn")
    analyst.fill("input[name=products]", "ax-router: 2.1.0")
    analyst.fill("input[name=cwe]", "CWE-321")
    submit(analyst, "text=Open case")
    assert re.search(r"/cases/VD-\d{4}-\d{4}$", analyst.url), analyst.url
    assert analyst.locator("#clocks tbody tr[data-obligation]").count() > 0
    assert "CWE-321" in analyst.locator(".case-head").inner_text()
    analyst.goto(f"{server.base}/cases/new")
    analyst.fill("input[name=title]", "Unknown product")
    analyst.fill("input[name=products]", "no-such-product")
    submit(analyst, "text=Open case")
    assert "catalogue product id" in analyst.locator("#err-products").inner_text()
    close(analyst)


def test_bulk_transition_shows_each_cases_result(server: Server, browser: Browser) -> None:
    one = _report(server, "EdgeGuard Firewall", "case-work-bulk-1")
    two = _report(server, "EdgeGuard Firewall EG-900", "case-work-bulk-2")
    admin = sign_in_demo(browser, server, "admin")
    admin.goto(f"{server.base}/cases/{two}")
    form = admin.locator("form[action$='/transition']")
    form.locator("select[name=to]").select_option("triage")
    form.locator("input[name=reason]").fill("looked at")
    submit(admin, form.locator("button[type=submit]"))
    admin.goto(f"{server.base}/cases?state=received&sort=-created")
    bulk = admin.locator("form#bulk")
    bulk.locator(f"input[name=keys][value='{one}']").check()
    admin.goto(f"{server.base}/cases?sort=-created")
    bulk = admin.locator("form#bulk")
    bulk.locator(f"input[name=keys][value='{one}']").check()
    bulk.locator(f"input[name=keys][value='{two}']").check()
    bulk.locator("select[name=action]").select_option("transition")
    bulk.locator("select[name=to]").select_option("triage")
    bulk.locator("input[name=reason]").fill("first look")
    submit(admin, bulk.locator("button[type=submit]"))
    assert admin.locator(f"tr.done[data-case='{one}']").count() == 1
    refused = admin.locator(f"tr.refused[data-case='{two}']")
    assert refused.count() == 1
    assert "triage" in refused.inner_text()
    screenshot(admin, "case-work-bulk")
    close(admin)


def test_the_bell_shows_a_reporters_new_message_to_the_cases_owner(
    server: Server, browser: Browser
) -> None:
    body = {
        "product": "SmartView IP Camera SV-C20",
        "description": "Telnet left open on the camera",
        "steps": "telnet to port 23",
        "impact": "shell access",
        "language": "en",
    }
    headers = {"Idempotency-Key": "case-work-bell"}
    r = httpx.post(server.base + "/api/v1/intake", data=body, headers=headers)
    assert r.status_code == 201, r.text
    tracking, token = r.json()["tracking"], r.json()["token"]
    shown = json.loads(server.cli.run("case", "list", "--sort", "-created", "--json").stdout)
    [key] = [c["key"] for c in shown["cases"] if tracking in c["title"]]
    # The owner is assigned from the command line; the owner becomes a member.
    server.cli.run("case", "edit", key, "--owner", "analyst-cn")
    analyst = sign_in_demo(browser, server, "analyst-cn")
    analyst.wait_for_selector(".bell .count")
    before = int(analyst.locator(".bell .count").get_attribute("data-count") or "0")
    posted = httpx.post(
        f"{server.base}/api/v1/intake/{tracking}/messages",
        json={"body": "Any news?"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert posted.status_code == 201, posted.text
    analyst.reload()
    analyst.wait_for_selector(".bell .count")
    assert int(analyst.locator(".bell .count").get_attribute("data-count") or "0") == before + 1
    submit(analyst, ".bell")
    row = analyst.locator(f"tr.need-message[data-case='{key}']")
    assert row.count() == 1
    assert tracking in row.inner_text()
    screenshot(analyst, "needs-me-en")
    # The owner declines escalation mail, and the choice is kept.
    analyst.uncheck("input[name=escalations]")
    submit(analyst, "text=Save e-mail choice")
    assert not analyst.is_checked("input[name=escalations]")
    analyst.check("input[name=escalations]")
    submit(analyst, "text=Save e-mail choice")
    assert analyst.is_checked("input[name=escalations]")
    # Approvals waiting and reporters' messages by mail: on by default, turned off and kept.
    assert analyst.is_checked("input[name=approvals]")
    assert analyst.is_checked("input[name=messages]")
    analyst.uncheck("input[name=messages]")
    submit(analyst, "text=Save e-mail choice")
    analyst.reload()
    assert not analyst.is_checked("input[name=messages]")
    assert analyst.is_checked("input[name=approvals]")
    assert analyst.is_checked("input[name=escalations]")
    out = server.cli.run("user", "set-mail", "analyst-cn").stdout
    assert "messages off" in out and "approvals on" in out
    analyst.check("input[name=messages]")
    submit(analyst, "text=Save e-mail choice")
    assert analyst.is_checked("input[name=messages]")
    submit(analyst, "a[lang=zh-CN]")
    assert analyst.locator("main h1").inner_text() == "待我处理的事项"
    assert untranslated(analyst, "main h1, main th, main td:first-child", set()) == []
    submit(analyst, "a[lang=en]")
    close(analyst)

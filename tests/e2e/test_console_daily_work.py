"""Issue 18, part A, in a real browser: the report's details on the case page, closing with
open obligations, the auditor's console and navigation, the case list's search and filters,
HTML error pages, and the dark colour scheme.

The server runs on a demo home; demo accounts sign in as a person trying the demo would.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.e2e.browser import Server, screenshot, submit
from tests.e2e.test_console_reports import CJK, close, sign_in_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

OWN = "VD-2026-0001"  # acme-cn, received: analyst-cn is a member
DUPLICATE = "VD-2026-0019"  # acme-cn, a duplicate whose NVDB report falls due within a day
HQ_CASE = "VD-2026-0003"  # acme-hq: analyst-cn is no member


def nav_links(page: Page) -> list[str]:
    return [a.get_attribute("href") or "" for a in page.locator("header.top nav a").all()]


def test_the_case_page_shows_what_the_reporter_wrote_and_the_read_is_audited(
    server: Server, browser: Browser
) -> None:
    analyst = sign_in_demo(browser, server, "analyst-cn")
    analyst.goto(f"{server.base}/cases/{OWN}")
    details = analyst.locator("section#details")
    assert "demo researcher" in details.locator('dd[data-field="reporter_identity"]').inner_text()
    assert (
        "reachable from the network"
        in details.locator('dd[data-field="technical_characteristics"]').inner_text()
    )
    assert details.locator('dt[data-field="harm"]').inner_text() == "Impact"
    screenshot(analyst, "issue18a-case-details")
    close(analyst)
    zh = sign_in_demo(browser, server, "analyst-cn", locale="zh-CN")
    zh.goto(f"{server.base}/cases/{OWN}")
    assert zh.locator("#h-details").inner_text() == "报告详情"
    assert zh.locator('dt[data-field="harm"]').inner_text() == "影响"
    close(zh)


def test_closed_and_duplicate_cases_are_never_due_and_a_close_resolves_each_obligation(
    server: Server, browser: Browser
) -> None:
    analyst = sign_in_demo(browser, server, "analyst-cn")
    analyst.goto(server.base + "/")
    assert DUPLICATE not in analyst.locator("main").inner_text()
    analyst.goto(f"{server.base}/cases?due=24h")
    assert DUPLICATE not in analyst.locator("table.cases").inner_text()
    close(analyst)

    admin = sign_in_demo(browser, server, "admin")
    admin.goto(f"{server.base}/cases/{DUPLICATE}")
    listed = admin.locator("fieldset.close-obligations li[data-open-obligation]")
    ids = [li.get_attribute("data-open-obligation") or "" for li in listed.all()]
    assert "cn-rmsv-2021/report-to-nvdb" in ids
    form = admin.locator("form[action$='/transition']")
    form.locator("select[name=to]").select_option("closed")
    form.locator("input[name=reason]").fill("same flaw, handled in the original case")
    submit(admin, form.locator("button[type=submit]"))
    refusal = admin.locator("#state p.error").inner_text()
    assert all(i in refusal for i in ids), refusal
    assert "closed" not in admin.locator(".facts-grid .state").inner_text()
    screenshot(admin, "issue18a-close-refused")
    form = admin.locator("form[action$='/transition']")
    form.locator("select[name=to]").select_option("closed")
    form.locator("input[name=reason]").fill("same flaw, handled in the original case")
    for box in form.locator("input[name=na_reason]").all():
        box.fill("reported and handled under the original case")
    submit(admin, form.locator("button[type=submit]"))
    assert admin.locator(".facts-grid .state").inner_text() == "closed"
    statuses = admin.locator("table.clocks tbody tr").all_inner_texts()
    assert not any("overdue" in s or re.search(r"\bopen\b", s) for s in statuses), statuses
    screenshot(admin, "issue18a-closed")
    close(admin)


def test_the_auditor_gets_a_console_and_only_the_sections_it_can_open(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    analyst = sign_in_demo(browser, server, "analyst-cn")
    assert not {"/oversight", "/admin", "/audit"} & set(nav_links(analyst))
    analyst.goto(f"{server.base}/cases/{OWN}")  # a read of the case's details, audited
    close(analyst)
    auditor = sign_in_demo(browser, server, "auditor")
    links = nav_links(auditor)
    assert "/audit" in links
    assert not {"/oversight", "/admin", "/cases"} & set(links), links
    for href in links:
        answer = auditor.goto(server.base + href)
        assert answer is not None and answer.status == 200, href
    auditor.goto(server.base + "/audit")
    submit(auditor, "form[action='/audit/verify'] button")
    assert "verified" in auditor.locator("#verification .verdict").inner_text()
    assert auditor.locator("#verification .verdict-ok").count() == 1
    screenshot(auditor, "issue18a-audit-status")
    auditor.goto(server.base + "/audit/trail")
    auditor.fill("input[name=case]", OWN)
    auditor.select_option("select[name=tag]", "case:details:read")
    submit(auditor, "form.filters button[type=submit]")
    assert "case=VD-2026-0001" in auditor.url and "tag=case%3Adetails%3Aread" in auditor.url
    rows = auditor.locator("table.audit tbody tr[data-seq]")
    assert rows.count() >= 1
    assert all(OWN in t and "case:details:read" in t for t in rows.all_inner_texts())
    auditor.goto(server.base + "/audit/trail?since=2020-13-01")
    assert auditor.locator('p.error[data-field="since"]').count() == 1
    auditor.goto(server.base + "/audit/ledger")
    entries = auditor.locator("table.ledger tbody tr[data-entry]")
    assert entries.count() >= 2
    with auditor.expect_download() as got:
        auditor.click("a[href^='/audit/ledger.csv']")
    target = tmp_path / "ledger.csv"
    got.value.save_as(target)
    table = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(table) == entries.count() and all(r["sha256"] for r in table)
    screenshot(auditor, "issue18a-audit-ledger")
    close(auditor)
    hq = sign_in_demo(browser, server, "hq-oversight")
    assert "/oversight" in nav_links(hq) and "/admin" not in nav_links(hq)
    close(hq)


def test_the_case_list_searches_filters_and_sorts_in_the_url(
    server: Server, browser: Browser
) -> None:
    hq = sign_in_demo(browser, server, "hq-oversight")
    hq.goto(server.base + "/cases")
    hq.fill("input[name=q]", "mobile")
    hq.select_option("select[name=unit]", "acme-hq")
    hq.select_option("select[name=sort]", "due")
    submit(hq, "form.filters button[type=submit]")
    assert "q=mobile" in hq.url and "unit=acme-hq" in hq.url and "sort=due" in hq.url
    titles = hq.locator("table.cases td.case-title").all_inner_texts()
    assert titles and all("mobile" in t.lower() for t in titles), titles
    hq.goto(server.base + "/cases?q=ax-router")  # a product id
    keys = hq.locator("table.cases tbody td:first-child").all_inner_texts()
    assert OWN in keys
    hq.goto(server.base + "/cases?q=researcher")  # only in the encrypted details
    assert hq.locator("table.cases tbody a").count() == 0
    hq.goto(server.base + "/cases?severity=critical&sort=due")
    lefts = hq.locator("table.cases td.time-left").all_inner_texts()
    assert lefts
    hq.goto(server.base + "/cases?due=overdue&state=closed")
    assert hq.locator("table.cases tbody a").count() == 0
    screenshot(hq, "issue18a-case-list")
    close(hq)


def test_bad_parameters_unknown_paths_and_csrf_failures_are_console_pages(
    server: Server, browser: Browser
) -> None:
    for locale, words in (("en-US", ("page", "whole number")), ("zh-CN", ("page", "整数"))):
        analyst = sign_in_demo(browser, server, "analyst-cn", locale=locale)
        answer = analyst.goto(server.base + "/cases?page=abc")
        assert answer is not None and answer.status == 400
        text = analyst.locator("main").inner_text()
        assert all(w in text for w in words), text
        assert analyst.locator("header.top nav a[href='/cases']").count() == 1
        answer = analyst.goto(server.base + "/no/such/page")
        assert answer is not None and answer.status == 404
        assert "text/html" in answer.headers["content-type"]
        assert analyst.locator("main h1").count() == 1
        analyst.goto(f"{server.base}/cases/{OWN}")
        form = analyst.locator("form[action$='/facts']")
        form.locator("input[name=csrf]").evaluate("el => { el.value = 'stale'; }")
        form.locator("textarea[name=evidence]").fill("seen in the lab")
        with analyst.expect_navigation() as nav:
            form.locator("button[type=submit]").click()
        assert nav.value is not None and nav.value.status == 403
        heading = analyst.locator("main h1").inner_text()
        assert (CJK.search(heading) is not None) == (locale == "zh-CN"), heading
        assert "reload" in analyst.locator("main").inner_text().lower() or locale == "zh-CN"
        screenshot(analyst, f"issue18a-csrf-{locale}")
        close(analyst)
    # The API keeps its JSON answers, whatever the client accepts.
    r = httpx.get(server.base + "/api/v1/no-such-route", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


def test_the_dark_scheme_follows_the_system(server: Server, browser: Browser) -> None:
    analyst = sign_in_demo(browser, server, "analyst-cn")
    analyst.emulate_media(color_scheme="dark")
    analyst.goto(f"{server.base}/cases/{OWN}")
    dark = analyst.evaluate("getComputedStyle(document.body).backgroundColor")
    fg = analyst.evaluate("getComputedStyle(document.body).color")
    screenshot(analyst, "issue18a-dark")
    analyst.emulate_media(color_scheme="light")
    light = analyst.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark == "rgb(13, 17, 23)", dark
    assert light == "rgb(255, 255, 255)", light
    assert fg == "rgb(230, 237, 243)", fg
    close(analyst)

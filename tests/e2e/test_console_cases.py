"""Case pages in a real browser: list filters, the case page's forms, clocks, escaping, 404s."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import zoneinfo
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.browser import Server, screenshot, sign_in, submit
from vulndesk.entrypoints.web import clockfmt

if TYPE_CHECKING:
    from playwright.sync_api import Browser


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAYLOAD = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"


def report(server: Server, product: str, description: str) -> dict[str, Any]:
    """Submit through public intake; returns tracking, token and the case key it opened."""
    body = {"product": product, "version": "2.3.1", "description": description}
    headers = {"Idempotency-Key": secrets.token_hex(8)}
    got = httpx.post(server.base + "/api/v1/intake", json=body, headers=headers, timeout=20)
    assert got.status_code == 201, got.text
    out: dict[str, Any] = got.json()
    rows = server.cli.json("intake", "list")
    out["case"] = next(r["case"] for r in rows if r["tracking"] == out["tracking"])
    return out


@pytest.fixture(scope="module")
def world(server: Server) -> dict[str, Any]:
    server.add_user("coord", "coordinator", "acme-hq")
    server.add_user("reader", "coordinator", "acme-hq")  # never switches language itself
    server.add_user("ana", "analyst", "acme-hq")
    server.add_user("outsider", "analyst", "acme-hq")
    plain = report(server, "ax-router", "Auth bypass in the admin API.")
    evil = report(server, PAYLOAD, PAYLOAD)
    for key in (plain["case"], evil["case"]):
        server.cli.run("case", "member", "add", key, "ana")
    return {"plain": plain, "evil": evil}


def _page(browser: Browser, lang: str = "en-US") -> tuple[Any, Any, list[str]]:
    context = browser.new_context(locale=lang)
    page = context.new_page()
    errors: list[str] = []
    # Refused forms answer 409/422 and hidden cases 404 on purpose; only other errors count.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    return context, page, errors


def test_analyst_verifies_a_case_and_sees_the_nvdb_clock(
    server: Server, world: dict[str, Any], browser: Browser
) -> None:
    key = world["plain"]["case"]
    context, page, errors = _page(browser)
    sign_in(page, server, "ana")
    page.goto(f"{server.base}/cases/{key}")
    assert page.locator(".case-head .key").inner_text() == key

    page.select_option("select[name=to]", "triage")
    page.fill("input[name=reason]", "first look")
    submit(page, "#state button[type=submit]")
    assert page.locator(".state").first.inner_text() == "triage"

    page.select_option("select[name=to]", "verified")  # refused: the fact is missing
    page.fill("input[name=reason]", "reproduced")
    submit(page, "#state button[type=submit]")
    assert "verified" in page.locator("#state [role=alert]").inner_text()

    page.select_option("select[name=fact]", "verified")
    page.fill("textarea[name=evidence]", "")
    page.click("#facts button[type=submit]")  # the browser refuses an empty required field
    page.fill("input[name=zone]", "Mars/Base")
    page.fill("textarea[name=evidence]", "reproduced on 2.3.1")
    page.fill("input[name=at]", "2026-01-01T10:00")
    submit(page, "#facts button[type=submit]")
    assert "not a time zone" in page.locator("#err-facts-zone").inner_text()
    page.fill("input[name=zone]", "UTC")
    page.fill("input[name=at]", "")
    submit(page, "#facts button[type=submit]")
    assert page.locator("#facts tr.current", has_text="verified").count() == 1

    page.select_option("select[name=to]", "verified")
    page.fill("input[name=reason]", "reproduced")
    submit(page, "#state button[type=submit]")
    assert page.locator(".state").first.inner_text() == "verified"

    aware = page.locator("#facts tr", has_text="aware").locator("time").first
    aware_at = dt.datetime.fromisoformat(aware.get_attribute("datetime"))
    row = page.locator("tr[data-obligation='cn-rmsv-2021/report-to-nvdb']")
    shown = row.locator("td.due time")
    due_at = dt.datetime.fromisoformat(shown.get_attribute("datetime"))
    assert due_at - aware_at == dt.timedelta(hours=48)
    zone = re.search(r"shown in (\S+?);", page.locator("footer").inner_text())
    assert zone is not None
    local = due_at.astimezone(zoneinfo.ZoneInfo(zone.group(1)))
    assert shown.inner_text() == clockfmt.local_text(local, zone.group(1))
    assert "Asia/Shanghai" in (shown.get_attribute("title") or "")
    assert row.locator(".countdown").inner_text().count(":") == 2
    screenshot(page, "case-en")
    submit(page, "a[lang=zh-CN]")
    assert page.locator("#h-clocks").inner_text() == "时限"
    screenshot(page, "case-zh-CN")
    assert errors == []
    context.close()


def test_script_payload_is_text_everywhere(
    server: Server, world: dict[str, Any], browser: Browser
) -> None:
    evil = world["evil"]
    context, page, errors = _page(browser)
    sign_in(page, server, "ana")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.goto(f"{server.base}/cases?sort=-updated")
    assert page.locator("td.case-title", has_text=PAYLOAD).count() >= 1
    page.goto(f"{server.base}/cases/{evil['case']}")
    assert PAYLOAD in page.locator("h1 .case-title").inner_text()
    page.fill("textarea[name=body]", "Thanks: " + PAYLOAD)
    submit(page, "#messages button[type=submit]")
    assert page.locator(".thread pre").last.inner_text() == "Thanks: " + PAYLOAD
    assert page.locator("main img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert errors == []
    context.close()
    status = httpx.get(
        f"{server.base}/api/v1/intake/{evil['tracking']}/messages",
        headers={"Authorization": f"Bearer {evil['token']}"},
    ).json()
    assert status["messages"][-1]["author"] == "team"


def test_case_list_filters_and_pages(
    server: Server, world: dict[str, Any], browser: Browser
) -> None:
    context, page, errors = _page(browser)
    sign_in(page, server, "coord")
    page.goto(server.base + "/cases")
    assert page.locator("table.cases tbody tr").count() == 20
    submit(page, "a[rel=next]")
    assert "page=2" in page.url
    assert page.locator("table.cases tbody tr").count() >= 9
    page.goto(server.base + "/cases")
    page.select_option("select[name=state]", "received")
    page.select_option("select[name=regime]", "cn-rmsv-2021")
    page.focus("form.filters button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the filter form works from the keyboard
    page.wait_for_url(re.compile(r"state=received"))
    assert page.locator("select[name=state]").input_value() == "received"
    states = page.locator("table.cases tbody .state").all_inner_texts()
    assert states and set(states) == {"received"}
    page.goto(server.base + "/cases?due=72h&sort=key")
    keys = page.locator("table.cases tbody td:first-child a").all_inner_texts()
    assert keys == sorted(keys) and keys
    head = page.locator("table.cases thead a").first.get_attribute("href") or ""
    assert "due=72h" in head  # links keep the filters
    screenshot(page, "case-list-en")
    submit(page, "a[lang=zh-CN]")
    assert page.locator("h1").inner_text() == "案件"
    screenshot(page, "case-list-zh-CN")
    page.goto(server.base + "/")
    assert page.locator("svg.chart").count() == 1
    screenshot(page, "dashboard-cases-zh-CN")
    submit(page, "a[lang=en]")
    screenshot(page, "dashboard-cases-en")
    assert errors == []
    context.close()


def test_outsider_gets_the_same_404_for_hidden_and_missing_cases(
    server: Server, world: dict[str, Any], browser: Browser
) -> None:
    context, page, _errors = _page(browser)
    sign_in(page, server, "outsider")
    hidden = page.goto(f"{server.base}/cases/{world['plain']['case']}")
    hidden_body = page.locator("main").inner_html()
    missing = page.goto(f"{server.base}/cases/VD-2099-9999")
    missing_body = page.locator("main").inner_html()
    assert hidden is not None and missing is not None
    assert hidden.status == missing.status == 404
    assert hidden_body == missing_body
    evil = world["evil"]["case"]
    blocked = page.request.get(f"{server.base}/cases/{evil}/attachments/{'0' * 64}")
    assert blocked.status == 404
    context.close()


def test_every_case_page_has_chinese_labels(
    server: Server, world: dict[str, Any], browser: Browser
) -> None:
    context, page, errors = _page(browser, "zh-CN")
    sign_in(page, server, "reader")
    for path in ("/", "/cases", f"/cases/{world['plain']['case']}", "/cases/VD-2099-9999"):
        page.goto(server.base + path)
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        text = page.locator("main").inner_text()
        for english in ("Case", "Status", "Due", "Clocks", "Facts", "Members", "Filter", "Page "):
            assert not re.search(rf"\b{english}\b", text), (path, english)
    assert errors == []
    context.close()

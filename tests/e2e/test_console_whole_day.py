"""Every role's whole day in a real browser, in English and in Simplified Chinese.

A reporter without an account files a report on a camera (naming it as people do, not as the
catalogue does) and later reads the team's reply and writes back; the Shenzhen analyst finds
the report, links it to the product the console suggests, records verification and drafts the
ENISA early warning, which runs into the cross-border rule of RMSV 2021 Art. 9(7) for a case
handled in China; one approver proposes the cross-border decision and another approves it; both
approve the draft; the analyst records the submission; headquarters sees it on its oversight
page; the auditor finds it in the ledger and the decision and the submission in the audit
trail. Each person works in a browser of their own language and zone, and every step leaves a
screenshot `whole-day-<lang>-<step>.png` among the test artifacts.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import Server, screenshot, submit
from tests.e2e.test_console_dashboard_clocks import browser_sign_in
from tests.e2e.test_console_reports import CJK, untranslated
from vulndesk.entrypoints.web import clockfmt

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

KIND = "enisa.vulnerability_early_warning"
RECIPIENT = "enisa-srp"
VERIFY = "cn-rmsv-2021/verify"


@dataclass(frozen=True)
class Day:
    """One language's run: the browsers' locale, each person's zone, the words to expect."""

    lang: str
    locale: str
    words: dict[str, str]
    reporter_zone: str = "Europe/Berlin"
    analyst_zone: str = "Asia/Shanghai"
    approver_cn_zone: str = "Asia/Shanghai"
    approver_hq_zone: str = "America/Los_Angeles"
    hq_zone: str = "America/Los_Angeles"
    auditor_zone: str = "Europe/London"

    def shot(self, page: Page, step: str) -> None:
        screenshot(page, f"whole-day-{self.lang}-{step}")


EN = Day(
    "en",
    "en-US",
    {
        "received": "Report received",
        "details": "Report details",
        "messages": "Messages with the reporter",
        "draft": "Draft",
        "warnings": "Warnings",
        "unresolved": "unresolved: record a decision approved by two people",
        "resolved": "resolved by decision",
        "status-draft": "draft",
        "status-approved": "approved",
        "oversight": "Headquarters oversight",
        "next": "What I must do next",
        "verified": "verified",
    },
)
ZH = Day(
    "zh-CN",
    "zh-CN",
    {
        "received": "已收到报告",
        "details": "报告详情",
        "messages": "与报告者的消息",
        "draft": "草稿",
        "warnings": "警告",
        "unresolved": "未解决：需记录经两人批准的决定",
        "resolved": "已由第",
        "status-draft": "草稿",
        "status-approved": "已批准",
        "oversight": "总部监督",
        "next": "我的下一步工作",
        "verified": "已验证",
    },
)


def person(browser: Browser, server: Server, user: str, day: Day, zone: str) -> Page:
    page = browser_sign_in(browser, server, user, day.locale, zone)
    assert page.locator("html").get_attribute("lang") == day.lang
    return page


def both_zones(page: Page, row: str, viewer_zone: str, rule_zone: str) -> None:
    """The due instant of a dashboard row, written out in the viewer's and the rule's zone."""
    for cell, zone in (("td.due-viewer", viewer_zone), ("td.due-rule", rule_zone)):
        shown = page.locator(f"{row} {cell}").first
        instant = dt.datetime.fromisoformat(shown.locator("time").get_attribute("datetime") or "")
        text = shown.inner_text()
        assert text.startswith(clockfmt.local_text(instant, zone)), (text, zone)
        assert zone in text and shown.is_visible()


def chinese_only(page: Page, selector: str, day: Day) -> None:
    if day.lang == "zh-CN":
        assert untranslated(page, selector, {"SHA-256", "ENISA", "#"}) == []


# 1. The reporter files a report from the public form, without an account.
def report(browser: Browser, server: Server, day: Day, marker: str) -> tuple[Page, str, str]:
    context = browser.new_context(locale=day.locale, timezone_id=day.reporter_zone)
    page = context.new_page()
    page.goto(server.base + "/report")
    page.get_by_label("Product").fill("Smartview camera SV-C20")
    page.get_by_label("Version").fill("5.0.1")
    page.get_by_label("Description").fill(f"Stack overflow in the RTSP parser {marker}")
    page.get_by_label("Steps to reproduce").fill("send a 5000 byte RTSP URL")
    day.shot(page, "1-reporter-form")
    submit(page, "button[type=submit]")
    assert day.words["received"] in page.locator("h1").inner_text()
    tracking = page.locator("strong.tracking").inner_text()
    token = page.locator("code.token").inner_text()
    assert tracking.startswith("R-") and len(token) > 30
    day.shot(page, "1-reporter-received")
    return page, tracking, token


def search(page: Page, server: Server, tracking: str) -> str:
    """Find a report's case by its tracking id in the case list and open it; its key."""
    page.goto(server.base + "/cases")
    page.fill("input[name=q]", tracking)
    submit(page, "form.filters button[type=submit]")
    links = page.locator("table.cases tbody a[href^='/cases/VD-']")
    assert links.count() == 1
    submit(page, links.first)
    key = page.url.rsplit("/", 1)[1]
    assert re.fullmatch(r"VD-\d{4}-\d{4}", key), page.url
    return key


# Cases are need-to-know: the coordinator (the demo's admin) staffs the new case.
def staff(browser: Browser, server: Server, day: Day, tracking: str) -> Page:
    page = person(browser, server, "admin", day, day.reporter_zone)
    search(page, server, tracking)
    # The report named no catalogue product exactly; it went to the unit of the nearest one.
    assert "acme-cn" in page.locator(".case-head .facts-grid").inner_text()
    for member in ("analyst-cn", "approver-cn", "approver-hq"):
        page.fill("#members form.card input[name=user]", member)
        submit(page, "#members form.card button[type=submit]")
    members = page.locator("#members ul.members").inner_text()
    assert all(m in members for m in ("analyst-cn", "approver-cn", "approver-hq")), members
    day.shot(page, "2-coordinator-staffed")
    return page


# 2. The analyst finds it, links the product, answers the reporter and records verification.
def find_and_link(page: Page, server: Server, day: Day, tracking: str) -> str:
    key = search(page, server, tracking)
    assert page.locator("#h-details").inner_text() == day.words["details"]
    assert "RTSP parser" in page.locator("section#details").inner_text()
    # The reporter's words matched no product exactly; the console suggests the camera.
    first = page.locator("#work input[type=radio][name=product]").first
    assert first.get_attribute("value") == "ipcam" and first.is_checked()
    day.shot(page, "2-analyst-case-found")
    submit(page, "form[action$='/product-link'] button[type=submit]")
    assert "ipcam" in page.locator(".case-head .facts-grid").inner_text()
    assert page.locator(f"#clocks tr[data-obligation='{VERIFY}']").count() == 1
    chinese_only(page, "main h2", day)
    day.shot(page, "2-analyst-product-linked")
    return key


def reply(page: Page, server: Server, day: Day, key: str, text: str) -> None:
    page.goto(f"{server.base}/cases/{key}")
    assert page.locator("#h-messages").inner_text().startswith(day.words["messages"])
    page.fill("#messages textarea[name=body]", text)
    submit(page, "#messages form button[type=submit]")
    assert page.locator("#messages .thread pre").last.inner_text() == text


def verify(page: Page, server: Server, day: Day, key: str) -> None:
    page.goto(f"{server.base}/cases/{key}")
    page.select_option("#facts select[name=fact]", "verified")
    evidence = "reproduced on SV-C20 5.0.1 in the Shenzhen lab"
    page.fill("#facts textarea[name=evidence]", evidence)
    submit(page, "#facts button[type=submit]")
    fact = page.locator("#facts tr.current", has_text=evidence)
    assert fact.count() == 1
    assert fact.locator("td").first.inner_text() == day.words["verified"]
    day.shot(page, "2-analyst-verified")


def dashboard(page: Page, server: Server, day: Day, key: str) -> None:
    """The analyst's next duties: the new case's clocks, due in Shanghai and the rule's zone."""
    page.goto(server.base + "/")
    assert page.locator("#h-next").inner_text().startswith(day.words["next"])
    row = f"tr[data-case='{key}']"
    assert page.locator(row).count() >= 1
    both_zones(page, row, day.analyst_zone, "Asia/Shanghai")
    chinese_only(page, "main h1, main h2", day)
    day.shot(page, "2-analyst-dashboard")


# 1 again. The reporter reads the reply and writes back.
def follow_up(page: Page, server: Server, day: Day, tracking: str, token: str, seen: str) -> None:
    page.goto(f"{server.base}/report/status?tracking={tracking}")
    assert page.get_by_label("Tracking id").input_value() == tracking
    page.get_by_label("Follow-up token").fill(token)
    page.get_by_label("Message to the team (optional)").fill("Thanks, the PoC is attached above.")
    submit(page, "button[type=submit]")
    assert page.locator("dd.tracking").inner_text() == tracking
    thread = page.locator(".thread pre").all_inner_texts()
    assert seen in thread and thread[-1] == "Thanks, the PoC is attached above."
    day.shot(page, "1-reporter-follow-up")


def draft(page: Page, server: Server, day: Day, key: str) -> str:
    page.goto(f"{server.base}/cases/{key}/reports")
    page.select_option("select[name=kind]", KIND)
    page.select_option("select[name=recipient]", RECIPIENT)
    submit(page, "form[action$='/reports'] button[type=submit]")
    page.wait_for_url(re.compile(rf".*/reports/{key}/{re.escape(KIND)}/{RECIPIENT}/v1\?done="))
    assert page.locator("main > h1").inner_text().startswith(day.words["draft"])
    assert page.locator(".draft-status").inner_text() == day.words["status-draft"]
    assert page.locator("h2#conflicts").inner_text() == day.words["warnings"]
    conflict = page.locator("li.conflict-cross-border")
    assert conflict.count() == 1
    assert day.words["unresolved"] in conflict.inner_text()
    chinese_only(page, "main h2, main th, main dt", day)
    day.shot(page, "2-analyst-draft-conflict")
    return page.url.split("?")[0]


# 2 and 3. Two people decide the cross-border question; two approvers approve the draft.
def decide_and_approve(
    browser: Browser, server: Server, day: Day, draft_url: str
) -> tuple[Page, Page]:
    first = person(browser, server, "approver-cn", day, day.approver_cn_zone)
    first.goto(draft_url)
    form = first.locator("form[action$='/decisions']")
    form.locator("select[name=kind]").select_option("cross-border")
    form.locator("textarea[name=reason]").fill("CRA Art. 14: the camera is sold in the Union")
    submit(first, form.locator("button[type=submit]"))
    first.wait_for_url(re.compile(r".*\?done=decided$"))
    row = first.locator("table.decisions tbody tr", has_text="CRA Art. 14")
    assert row.count() == 1 and "approver-cn" in row.inner_text()
    # The proposer alone does not lift the rule: the draft cannot be approved yet.
    assert day.words["unresolved"] in first.locator("li.conflict-cross-border").inner_text()
    submit(first, "#approve")
    assert first.locator("[role=alert]").count() == 1
    assert first.locator(".draft-status").inner_text() == day.words["status-draft"]
    day.shot(first, "3-approver-cn-proposed")

    second = person(browser, server, "approver-hq", day, day.approver_hq_zone)
    second.goto(draft_url)
    row = second.locator("table.decisions tbody tr", has_text="CRA Art. 14")
    submit(second, row.locator("form[action*='/decisions/'] button[type=submit]"))
    second.wait_for_url(re.compile(r".*\?done=decided$"))
    row = second.locator("table.decisions tbody tr", has_text="CRA Art. 14")
    assert "approver-cn, approver-hq" in row.inner_text()
    assert day.words["resolved"] in second.locator("li.conflict-cross-border").inner_text()
    day.shot(second, "3-approver-hq-decided")

    first.goto(draft_url)
    submit(first, "#approve")
    first.wait_for_url(re.compile(r".*\?done=approved$"))
    assert first.locator(".approvers").inner_text().startswith("approver-cn")
    second.goto(draft_url)
    submit(second, "#approve")
    second.wait_for_url(re.compile(r".*\?done=approved$"))
    assert second.locator(".draft-status").inner_text() == day.words["status-approved"]
    day.shot(second, "3-draft-approved")
    return first, second


def record(page: Page, day: Day, draft_url: str, receipt: str) -> None:
    page.goto(draft_url)
    form = page.locator("form[action$='/submission']")
    # The default time is now, in the analyst's own zone, as the label says.
    assert day.analyst_zone in form.inner_text()
    now_local = dt.datetime.now(zoneinfo.ZoneInfo(day.analyst_zone))
    shown = form.locator("input[name=at]").input_value()
    assert abs(dt.datetime.fromisoformat(shown) - now_local.replace(tzinfo=None)) < dt.timedelta(
        hours=1
    )
    form.locator("input[name=receipt]").fill(receipt)
    submit(page, form.locator("button[type=submit]"))
    page.wait_for_url(re.compile(r".*\?done=submitted$"))
    assert page.locator(".receipt").inner_text() == receipt
    day.shot(page, "3-submission-recorded")


# 4. Headquarters sees the submission.
def oversight(browser: Browser, server: Server, day: Day, key: str, receipt: str) -> Page:
    hq = person(browser, server, "hq-oversight", day, day.hq_zone)
    hq.goto(server.base + "/oversight")
    assert hq.locator("h1").inner_text() == day.words["oversight"]
    row = hq.locator("table.submissions tbody tr", has_text=key)
    assert row.count() == 1
    text = row.inner_text()
    assert RECIPIENT in text and receipt in text and "approver-cn, approver-hq" in text
    chinese_only(hq, "main h1, main h2, main th", day)
    day.shot(hq, "4-hq-oversight")
    return hq


# 5. The auditor finds it in the ledger and the audit trail.
def audit(browser: Browser, server: Server, day: Day, key: str) -> Page:
    auditor = person(browser, server, "auditor", day, day.auditor_zone)
    auditor.goto(server.base + "/audit/ledger")
    auditor.fill("input[name=case]", key)
    submit(auditor, "form.filters button[type=submit]")
    entries = auditor.locator("table.ledger tbody tr[data-entry]")
    assert entries.count() == 1
    text = entries.inner_text()
    assert key in text and RECIPIENT in text and "approver-cn, approver-hq" in text
    chinese_only(auditor, "main h1, main h2, main th", day)
    day.shot(auditor, "5-auditor-ledger")
    found: dict[str, list[str]] = {}
    for tag in ("case:decision:cross-border-approved", "case:ledger:recorded"):
        auditor.goto(server.base + "/audit/trail")
        auditor.fill("input[name=case]", key)
        auditor.select_option("select[name=tag]", tag)
        submit(auditor, "form.filters button[type=submit]")
        rows = auditor.locator("table.audit tbody tr[data-seq]").all_inner_texts()
        # The case's trail holds the events of its decisions and ledger entries too.
        assert rows and all(tag in r for r in rows), rows
        found[tag] = rows
    assert any("approver-hq" in r for r in found["case:decision:cross-border-approved"])
    assert any("analyst-cn" in r and "ledger:" in r for r in found["case:ledger:recorded"])
    chinese_only(auditor, "main h1, main h2, main th", day)
    day.shot(auditor, "5-auditor-trail")
    return auditor


@pytest.mark.parametrize("day", [EN, ZH], ids=["en", "zh-CN"])
def test_every_role_does_its_whole_day_in_the_console(
    server: Server, browser: Browser, day: Day
) -> None:
    marker = f"{day.lang}-{dt.datetime.now(dt.UTC):%H%M%S%f}"
    reporter, tracking, token = report(browser, server, day, marker)

    coordinator = staff(browser, server, day, tracking)
    analyst = person(browser, server, "analyst-cn", day, day.analyst_zone)
    key = find_and_link(analyst, server, day, tracking)
    answer = f"Thank you, we reproduce it ({day.lang})."
    reply(analyst, server, day, key, answer)
    follow_up(reporter, server, day, tracking, token, answer)
    analyst.goto(f"{server.base}/cases/{key}")
    assert analyst.locator("#messages .thread pre").last.inner_text() == (
        "Thanks, the PoC is attached above."
    )
    verify(analyst, server, day, key)
    dashboard(analyst, server, day, key)
    draft_url = draft(analyst, server, day, key)

    first, second = decide_and_approve(browser, server, day, draft_url)
    receipt = f"ENISA-{marker}"
    record(analyst, day, draft_url, receipt)

    hq = oversight(browser, server, day, key, receipt)
    auditor = audit(browser, server, day, key)
    if day.lang == "zh-CN":
        assert CJK.search(auditor.locator("main h1").inner_text())
    for page in (reporter, coordinator, analyst, first, second, hq, auditor):
        page.context.close()
